import type { AppliedProfile } from './types.js';

/** What `lsf-docker explain` says about the profile that applied (or that none did). */
export function describeProfile(profile: AppliedProfile | undefined): string[] {
  if (!profile) return ['profile:  none (the config as it is)'];
  const lines = [
    `profile:  ${profile.name} (asked for by ${profile.source}; granted to ${profile.grantedBy})`,
    ...(profile.containerName !== undefined
      ? [`          container name ${profile.containerName}: replaces your previous one from this profile`]
      : []),
    ...(profile.privileged ? ['          PRIVILEGED: root-equivalent on this host'] : []),
  ];
  if (profile.changes.length === 0)
    return [...lines, '          widened: nothing (the config already allows it all)'];
  return [...lines, '          widened:', ...profile.changes.map((c) => `            - ${c}`)];
}
