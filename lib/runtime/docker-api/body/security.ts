import type { BodySection } from './section.js';

/**
 * Every capability dropped but the added ones (with the CAP_ prefix and sorted, as the CLI
 * normalizes them), no new privileges, the SELinux labels (argv: securityArgs).
 */
export const securityBody: BodySection = ({ security }) => {
  const opts: string[] = [];
  if (security.noNewPrivileges) opts.push('no-new-privileges');
  for (const label of security.selinuxLabels) opts.push(`label=${label}`);
  return {
    host: {
      ...(security.privileged ? { Privileged: true } : {}),
      CapDrop: ['ALL'],
      CapAdd: security.capAdd.map((c) => `CAP_${c}`).sort(),
      SecurityOpt: opts,
    },
  };
};
