import type { Ulimit } from '../../container-spec.js';
import type { ArgvSection } from './section.js';

/** The value of one --ulimit: NAME=SOFT, or NAME=SOFT:HARD when they differ. */
export function ulimitArg(u: Ulimit): string {
  return u.soft === u.hard ? `${u.name}=${u.soft}` : `${u.name}=${u.soft}:${u.hard}`;
}

/** The cgroup parent, cpu shares, memory and memory+swap, ulimits. */
export const resourcesArgs: ArgvSection = ({ resources }) => {
  const a: string[] = [];
  if (resources.cgroupParent) a.push(`--cgroup-parent=${resources.cgroupParent}`);
  a.push(`--cpu-shares=${resources.cpuShares}`);
  if (resources.memory !== undefined) {
    a.push(`--memory=${resources.memory}`);
    a.push(`--memory-swap=${resources.swap === 'unlimited' ? -1 : resources.memory}`);
  }
  for (const u of resources.ulimits) a.push('--ulimit', ulimitArg(u));
  return a;
};
