import { readdirSync, readFileSync } from 'node:fs';
import { type CgroupPaths, findJobCgroup, sampleCgroup } from './cgroup-usage.js';
import type { JobRecord, Usage } from './record.js';

const TICKS = 100;
const PAGE = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssPages: number;
  threads: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14 -> index 11.
    return {
      pid: Number(pid),
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      threads: Number(fields[17]),
      rssPages: Number(fields[21]),
    };
  } catch {
    return undefined;
  }
}

/** The process tree under ROOT, from /proc. */
function processTree(root: number): ProcStat[] {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(readStat)
    .filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return [];
  const tree: ProcStat[] = [];
  const queue = [rootStat];
  while (queue.length > 0) {
    const s = queue.shift()!;
    tree.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return tree;
}

/** When to sample: soon after the start (short jobs), then every second. */
const SCHEDULE_MS = [100, 300, 600];
const EVERY_MS = 1000;

/**
 * Samples a running job's usage, keeping maxima and the memory average: a container job (an
 * application profile) from its container's cgroup once found, a plain job from its process tree.
 */
export class UsageSampler {
  private readonly usage: Usage = { cpuSeconds: 0, maxMemBytes: 0, maxProcesses: 0, maxThreads: 0 };
  private timer: NodeJS.Timeout | undefined;
  private group: CgroupPaths | undefined;
  private memTotal = 0;
  private samples = 0;
  private tick = 0;
  private attempts = 0;

  constructor(
    private readonly root: number,
    private readonly job: Pick<JobRecord, 'id' | 'index' | 'uid' | 'app'>,
  ) {}

  sample(): void {
    const container = this.job.app === 'docker' || this.job.app === 'docker_exec';
    if (container) {
      this.sampleContainer();
      return;
    }
    const tree = processTree(this.root);
    if (tree.length === 0) return;
    this.keep({
      cpu: tree.reduce((t, s) => t + s.cpuTicks, 0) / TICKS,
      mem: tree.reduce((t, s) => t + s.rssPages, 0) * PAGE,
      swap: 0,
      processes: tree.length,
      threads: tree.reduce((t, s) => t + s.threads, 0),
    });
    this.usage.source = 'processes';
  }

  private sampleContainer(): void {
    this.attempts += 1;
    this.group ??= findJobCgroup(this.job.uid, this.job.id, this.job.index, this.attempts % 4 === 0);
    const s = this.group ? sampleCgroup(this.group) : undefined;
    if (!s) return;
    this.keep({
      cpu: s.cpuSeconds,
      mem: s.rssBytes,
      swap: s.swapBytes,
      processes: s.processes,
      threads: s.threads,
    });
    this.usage.source = 'cgroup';
  }

  private keep(s: { cpu: number; mem: number; swap: number; processes: number; threads: number }): void {
    const u = this.usage;
    u.cpuSeconds = Math.max(u.cpuSeconds, s.cpu);
    u.maxMemBytes = Math.max(u.maxMemBytes, s.mem);
    u.maxSwapBytes = Math.max(u.maxSwapBytes ?? 0, s.swap);
    u.maxProcesses = Math.max(u.maxProcesses, s.processes);
    u.maxThreads = Math.max(u.maxThreads, s.threads);
    this.memTotal += s.mem;
    this.samples += 1;
    u.avgMemBytes = Math.round(this.memTotal / this.samples);
  }

  start(): void {
    const next = () => {
      const delay = SCHEDULE_MS[this.tick] ?? EVERY_MS;
      const previous = SCHEDULE_MS[this.tick - 1] ?? 0;
      this.tick += 1;
      this.timer = setTimeout(
        () => {
          this.sample();
          next();
        },
        Math.max(10, delay - (this.tick <= SCHEDULE_MS.length ? previous : 0)),
      );
      this.timer.unref();
    };
    next();
  }

  stop(): Usage {
    if (this.timer) clearTimeout(this.timer);
    return { ...this.usage };
  }
}
