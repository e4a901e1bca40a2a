import type { BodySection } from './section.js';

/** The cgroup parent, cpu shares, memory and memory+swap (-1: no swap limit), ulimits (argv: resourcesArgs). */
export const resourcesBody: BodySection = ({ resources }) => {
  const host: ReturnType<BodySection>['host'] = {
    CpuShares: resources.cpuShares,
    Ulimits: resources.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  };
  if (resources.cgroupParent) host.CgroupParent = resources.cgroupParent;
  if (resources.memory !== undefined) {
    host.Memory = resources.memory;
    host.MemorySwap = resources.swap === 'unlimited' ? -1 : resources.memory;
  }
  return { host };
};
