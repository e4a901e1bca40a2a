import type { AppliedProfile } from '../config/profiles/types.js';
import { LABEL } from '../kernel/labels.js';
import type { ContainerSpec } from '../runtime/container-spec.js';

/** The one decision line that says which profile applied, why, and what it widened. */
export function profileDecision(profile: AppliedProfile): string {
  const changed =
    profile.changes.length > 0 ? profile.changes.join('; ') : 'nothing (the config already allows it all)';
  return `profile ${profile.name} (${profile.source}, granted to ${profile.grantedBy}) widened: ${changed}`;
}

/**
 * SPEC as policy decided it under the profile's widened config, plus what only a profile gives:
 * its label (lsf-docker.profile=NAME), its fixed container name, and the decision lines saying so.
 */
export function withProfile(spec: ContainerSpec, profile: AppliedProfile): ContainerSpec {
  const decisions = [profileDecision(profile)];
  if (profile.containerName !== undefined) {
    decisions.push(
      `container name ${profile.containerName} (profile ${profile.name}): replaces your previous container of that name from this profile`,
    );
  }
  return {
    ...spec,
    name: profile.containerName ?? spec.name,
    labels: [...spec.labels, [LABEL.profile, profile.name]],
    decisions: [...decisions, ...spec.decisions],
  };
}
