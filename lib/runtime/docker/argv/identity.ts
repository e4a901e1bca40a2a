import type { ArgvSection } from './section.js';

/** Numeric user and group, and every supplementary group. */
export const identityArgs: ArgvSection = ({ identity }) => {
  const a = ['--user', `${identity.uid}:${identity.gid}`];
  for (const g of identity.groups) a.push('--group-add', String(g));
  return a;
};
