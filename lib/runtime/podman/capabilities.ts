import { readFileSync, statfsSync } from 'node:fs';
import type { RuntimeCapabilities } from '../types.js';

/**
 * What podman can do for a job on this host, from two facts read fresh for every job (nothing is
 * cached where a user could plant it): whether the program runs as the user (rootless) or as
 * root (rootful, through the sudo rule), and the cgroup hierarchy the kernel mounted.
 */
export interface PodmanHostFacts {
  rootless: boolean;
  cgroup: 'v1' | 'v2';
  /**
   * cgroup v2 only: the controllers of this process's own cgroup (cgroup.controllers), which is
   * where a rootless container's cgroup goes; limits need memory, cpu and pids among them.
   */
  controllers: readonly string[];
}

/** The controllers a rootless container needs for the limits lsf-docker sets. */
const LIMIT_CONTROLLERS = ['memory', 'cpu', 'pids'];

/** podman's capabilities on a host with FACTS. Pure. */
export function podmanCapabilities(facts: PodmanHostFacts): RuntimeCapabilities {
  const { rootless, cgroup } = facts;
  // Rootless on cgroup v1 there is no cgroup of the user's own: podman ignores every limit
  // ("Resource limits are not supported and ignored on cgroups V1 rootless systems") and cannot
  // freeze the container. On v2 it can when the controllers are delegated to the user.
  const limits =
    !rootless || (cgroup === 'v2' && LIMIT_CONTROLLERS.every((c) => facts.controllers.includes(c)));
  const freezer = !rootless || cgroup === 'v2';
  return {
    name: 'podman',
    rootless,
    summary: `${rootless ? 'rootless' : 'rootful'} podman on cgroup ${cgroup}`,
    enforcesLimits: limits,
    pauseResume: freezer,
    // podman puts --cap-add capabilities into a non-root user's effective and ambient sets.
    capsStayInBoundingSet: false,
    gpusFlag: false,
    // Rootless, host groups other than the user's own are not mapped into the user namespace.
    hostGroups: !rootless,
    hostGateway: false,
  };
}

/** CGROUP2_SUPER_MAGIC: /sys/fs/cgroup is the unified hierarchy (v2); anything else is v1 or hybrid. */
const CGROUP2_MAGIC = 0x63677270;

/** The controllers of this process's cgroup on the unified hierarchy ("0::/PATH" in /proc/self/cgroup). */
function ownControllers(root: string): string[] {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    const path = line?.slice(3) ?? '/';
    return readFileSync(`${root}${path === '/' ? '' : path}/cgroup.controllers`, 'utf8')
      .trim()
      .split(/\s+/);
  } catch {
    return [];
  }
}

/** The facts of this host and process, read now (kernel files only: statfs of ROOT, /proc/self/cgroup). */
export function podmanHostFacts(euid = process.geteuid!(), root = '/sys/fs/cgroup'): PodmanHostFacts {
  let cgroup: 'v1' | 'v2' = 'v1';
  try {
    if (statfsSync(root).type === CGROUP2_MAGIC) cgroup = 'v2';
  } catch {
    cgroup = 'v1';
  }
  return { rootless: euid !== 0, cgroup, controllers: cgroup === 'v2' ? ownControllers(root) : [] };
}
