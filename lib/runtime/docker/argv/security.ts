import type { ArgvSection } from './section.js';

/** Every capability dropped but the added ones, no new privileges, the SELinux labels; --privileged only when decided. */
export const securityArgs: ArgvSection = ({ security }) => {
  const a = security.privileged ? ['--privileged', '--cap-drop=ALL'] : ['--cap-drop=ALL'];
  for (const cap of security.capAdd) a.push(`--cap-add=${cap}`);
  if (security.noNewPrivileges) a.push('--security-opt=no-new-privileges');
  for (const label of security.selinuxLabels) a.push('--security-opt', `label=${label}`);
  return a;
};
