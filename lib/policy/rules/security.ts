import type { JobRequest } from '../../request/job-request.js';
import type { SecuritySpec } from '../../runtime/container-spec.js';
import type { RuleContext, Ruling } from './rule.js';

/** Every capability dropped but the admin's list, no new privileges, the admin's SELinux labels. */
export function securityRule(_request: JobRequest, { config }: RuleContext): Ruling<SecuritySpec> {
  const { capAdd, selinuxLabels } = config.security;
  return { ok: true, part: { capAdd, selinuxLabels, noNewPrivileges: true }, decisions: [] };
}
