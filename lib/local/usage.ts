import { readdirSync, readFileSync } from 'node:fs';

export interface Usage {
  cpuSeconds: number;
  maxMemBytes: number;
  maxProcesses: number;
  maxThreads: number;
}

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

/** Samples the process tree under ROOT (CPU, memory, processes, threads), keeping the maxima. */
export class UsageSampler {
  readonly usage: Usage = { cpuSeconds: 0, maxMemBytes: 0, maxProcesses: 0, maxThreads: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly root: number) {}

  sample(): void {
    const all = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(readStat)
      .filter((s): s is ProcStat => s !== undefined);
    const children = new Map<number, ProcStat[]>();
    for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
    const tree: ProcStat[] = [];
    const rootStat = all.find((s) => s.pid === this.root);
    if (!rootStat) return;
    const queue = [rootStat];
    while (queue.length > 0) {
      const s = queue.shift()!;
      tree.push(s);
      queue.push(...(children.get(s.pid) ?? []));
    }
    const cpu = tree.reduce((t, s) => t + s.cpuTicks, 0) / TICKS;
    const mem = tree.reduce((t, s) => t + s.rssPages, 0) * PAGE;
    const threads = tree.reduce((t, s) => t + s.threads, 0);
    this.usage.cpuSeconds = Math.max(this.usage.cpuSeconds, cpu);
    this.usage.maxMemBytes = Math.max(this.usage.maxMemBytes, mem);
    this.usage.maxProcesses = Math.max(this.usage.maxProcesses, tree.length);
    this.usage.maxThreads = Math.max(this.usage.maxThreads, threads);
  }

  start(intervalMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): Usage {
    if (this.timer) clearInterval(this.timer);
    return this.usage;
  }
}
