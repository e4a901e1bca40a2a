import { readdirSync, readFileSync, statSync } from 'node:fs';

/**
 * A container job's usage, measured where the kernel accounts it: the container's cgroup (not the
 * wrapper's processes, which are not the job). The container is found from the host side: one of
 * the job user's processes whose environment says LSB_JOBID=<id> and LSB_JOBINDEX=<index> and
 * whose memory cgroup is not ours (the job starter shares ours). cgroup v1 (memory, cpuacct, pids
 * controllers) and v2 (one unified group) are both read.
 */
export interface CgroupSample {
  rssBytes: number;
  swapBytes: number;
  cpuSeconds: number;
  processes: number;
  threads: number;
}

export interface CgroupPaths {
  version: 1 | 2;
  /** The group's path below each controller's mount (v1) or below /sys/fs/cgroup (v2). */
  path: string;
}

const ROOT = '/sys/fs/cgroup';

/** The cgroup of PID: v1's memory controller path, else v2's unified path. Pure over /proc/PID/cgroup's text. */
export function parseCgroupFile(text: string): CgroupPaths | undefined {
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers!.split(',').includes('memory')) return { version: 1, path };
    if (controllers === '') unified = path;
  }
  return unified !== undefined ? { version: 2, path: unified } : undefined;
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
const countLines = (text: string | undefined) => (text ?? '').split('\n').filter((l) => l !== '').length;

/** memory.stat's KEY, in bytes. Pure. */
export function statValue(stat: string | undefined, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(stat ?? '');
  return m ? Number(m[1]) : 0;
}

/** One reading of the group, or undefined when it is gone. */
export function sampleCgroup(group: CgroupPaths): CgroupSample | undefined {
  if (group.version === 2) {
    const dir = `${ROOT}${group.path}`;
    const stat = read(`${dir}/memory.stat`);
    if (stat === undefined) return undefined;
    const usec = statValue(read(`${dir}/cpu.stat`), 'usage_usec');
    return {
      rssBytes: statValue(stat, 'anon'),
      swapBytes: Number(read(`${dir}/memory.swap.current`) ?? 0) || 0,
      cpuSeconds: usec / 1e6,
      processes: countLines(read(`${dir}/cgroup.procs`)),
      threads: countLines(read(`${dir}/cgroup.threads`)),
    };
  }
  const stat = read(`${ROOT}/memory${group.path}/memory.stat`);
  if (stat === undefined) return undefined;
  const rss = statValue(stat, 'total_rss') || statValue(stat, 'rss');
  const ns = Number(read(`${ROOT}/cpuacct${group.path}/cpuacct.usage`) ?? 0) || 0;
  return {
    rssBytes: rss + (statValue(stat, 'total_mapped_file') || statValue(stat, 'mapped_file')),
    swapBytes: statValue(stat, 'total_swap') || statValue(stat, 'swap'),
    cpuSeconds: ns / 1e9,
    processes: countLines(read(`${ROOT}/memory${group.path}/cgroup.procs`)),
    threads: countLines(read(`${ROOT}/memory${group.path}/tasks`)),
  };
}

const ownGroup = () => parseCgroupFile(read('/proc/self/cgroup') ?? '')?.path;

const listDir = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** The pids of docker's own container groups (its default cgroup parents): a short list to try first. */
function dockerGroupPids(): string[] {
  // Only the containers' groups (a 64-hex id), not the controller's files beside them.
  const v1 = listDir(`${ROOT}/memory/docker`)
    .filter((d) => /^[0-9a-f]{64}$/.test(d))
    .map((d) => `${ROOT}/memory/docker/${d}/cgroup.procs`);
  const v2 = listDir(`${ROOT}/system.slice`)
    .filter((d) => /^docker-[0-9a-f]+\.scope$/.test(d))
    .map((d) => `${ROOT}/system.slice/${d}/cgroup.procs`);
  return [...v1, ...v2].flatMap((f) => (read(f) ?? '').split('\n').filter(Boolean).slice(0, 1));
}

/**
 * The cgroup of the container of job ID[INDEX] owned by UID, if one of its processes is found:
 * among docker's own groups, and with EVERYWHERE among all processes (a custom cgroup parent).
 */
export function findJobCgroup(
  uid: number,
  id: number,
  index: number,
  everywhere: boolean,
): CgroupPaths | undefined {
  const want = [`LSB_JOBID=${id}`, `LSB_JOBINDEX=${index}`];
  const found = findAmong(dockerGroupPids(), uid, want);
  return found ?? (everywhere ? findAmong(readdirSync('/proc'), uid, want) : undefined);
}

function findAmong(pids: string[], uid: number, want: string[]): CgroupPaths | undefined {
  const mine = ownGroup();
  for (const name of pids) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
    } catch {
      continue;
    }
    const group = parseCgroupFile(read(`/proc/${name}/cgroup`) ?? '');
    if (!group || group.path === mine || group.path === '/') continue;
    const environ = (read(`/proc/${name}/environ`) ?? '').split('\0');
    if (want.every((w) => environ.includes(w))) return group;
  }
  return undefined;
}
