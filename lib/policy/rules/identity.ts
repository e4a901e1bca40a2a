import type { JobRequest } from '../../request/job-request.js';
import type { IdentitySpec } from '../../runtime/container-spec.js';
import type { RuleContext, Ruling } from './rule.js';

/** The container runs as the user the OS says (never root: lib/host/identity-from-os.ts refuses uid 0). */
export function identityRule(_request: JobRequest, { identity }: RuleContext): Ruling<IdentitySpec> {
  const { uid, gid, groups, user, home, shell, groupNames } = identity;
  return { ok: true, part: { uid, gid, groups, user, home, shell, groupNames }, decisions: [] };
}

/** The container's unique name and its labels: which job, index, user, host and wrapper it belongs to. */
export function namingRule(
  request: JobRequest,
  { identity, probe }: RuleContext,
): Ruling<{ name: string; labels: Array<[string, string]> }> {
  const { id, index } = request.job;
  const jobTag = id !== undefined ? `${id}_${index}` : 'local';
  const labels: Array<[string, string]> = [
    ['lsf-docker.managed', 'true'],
    ['lsf-docker.job', id !== undefined ? String(id) : ''],
    ['lsf-docker.index', String(index)],
    ['lsf-docker.uid', String(identity.uid)],
    ['lsf-docker.host', probe.hostname],
    ['lsf-docker.pid', String(probe.pid)],
  ];
  return { ok: true, part: { name: `lsf_${jobTag}_${probe.pid}`, labels }, decisions: [] };
}
