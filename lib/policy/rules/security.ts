import type { JobRequest } from '../../request/job-request.js';
import type { SecuritySpec } from '../../runtime/container-spec.js';
import type { RuleContext, Ruling } from './rule.js';

/**
 * Every capability dropped but the admin's list, no new privileges, the admin's SELinux labels;
 * the runtime's privileged mode only when [security] privileged says so (root-equivalent).
 */
export function securityRule(_request: JobRequest, { config }: RuleContext): Ruling<SecuritySpec> {
  const { capAdd, selinuxLabels, privileged } = config.security;
  const part: SecuritySpec = { capAdd, selinuxLabels, noNewPrivileges: true };
  if (!privileged) return { ok: true, part, decisions: [] };
  const decision = 'PRIVILEGED container ([security] privileged = true): root-equivalent on this host';
  return { ok: true, part: { ...part, privileged: true }, decisions: [decision] };
}
