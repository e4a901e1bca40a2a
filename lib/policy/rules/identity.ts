import { jobLabels } from '../../kernel/labels.js';
import { containerName } from '../../kernel/names.js';
import type { JobRequest } from '../../request/job-request.js';
import type { IdentitySpec } from '../../runtime/container-spec.js';
import type { RuleContext, Ruling } from './rule.js';

/** The container runs as the user the OS says (never root: lib/host/identity-from-os.ts refuses uid 0). */
export function identityRule(_request: JobRequest, { identity }: RuleContext): Ruling<IdentitySpec> {
  const { uid, gid, groups, user, home, shell } = identity;
  // The group names read when a later step needs them (the group file): their lookups
  // (lib/host/identity-from-os.ts) finish meanwhile, beside the other rules' work.
  const part = Object.defineProperty({ uid, gid, groups, user, home, shell }, 'groupNames', {
    get: () => identity.groupNames,
    enumerable: true,
  }) as IdentitySpec;
  return { ok: true, part, decisions: [] };
}

/** The container's unique name and its labels: which job, index, user, host and wrapper it belongs to. */
export function namingRule(
  request: JobRequest,
  { identity, probe }: RuleContext,
): Ruling<{ name: string; labels: Array<[string, string]> }> {
  const { id, index, slurm } = request.job;
  const labels = jobLabels({ id, index, uid: identity.uid, host: probe.hostname, pid: probe.pid, slurm });
  return { ok: true, part: { name: containerName({ id, index }, probe.pid), labels }, decisions: [] };
}
