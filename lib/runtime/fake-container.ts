import { PassThrough } from 'node:stream';
import type { ControlResult, Spawned, SpawnResult } from './types.js';

/**
 * One scripted run of the fake runtime (lib/runtime/fake.ts): when the container exists, what
 * the CLI prints, how the job ends by itself, which signals it dies of.
 */
export interface FakeRun {
  /** ms after the spawn when the runtime has created the container; null: never (a hung daemon). Default 0. */
  createdAfterMs?: number | null;
  /** What the CLI prints on stderr at once (before the container exists, unless created at 0). */
  stderr?: string;
  /** The job's own exit status, AFTERMS after the spawn; omitted: it runs until a signal ends it. */
  exit?: number;
  afterMs?: number;
  /** Signals the job dies of, and its status then, e.g. { SIGTERM: 143 }. Others are ignored. */
  diesOn?: Partial<Record<string, number>>;
  /** The kernel's OOM killer ended it (give exit 137 too). */
  oomKilled?: boolean;
  /** The CLI cannot be started at all (e.g. "spawn docker ENOENT"). */
  cliError?: string;
  /** The CLI itself is killed by this signal AFTERMS after the spawn (the container stays). */
  cliKilledBy?: NodeJS.Signals;
}

export type ContainerState = 'none' | 'running' | 'paused' | 'exited';

const absent = (name: string): ControlResult => ({
  ok: false,
  absent: true,
  message: `Error response from daemon: No such container: ${name}`,
});

/** A fake run CLI with its container: the Spawned the job awaits, and what control does to it. */
export class FakeContainer {
  state: ContainerState = 'none';
  readonly id: string;
  private readonly stderr = new PassThrough();
  private resolve!: (result: SpawnResult) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private ended = false;
  readonly spawned: Spawned;

  constructor(
    readonly name: string,
    readonly run: FakeRun,
    serial: number,
  ) {
    this.id = serial.toString(16).padStart(64, '0');
    const done = new Promise<SpawnResult>((r) => {
      this.resolve = r;
    });
    this.spawned = Object.assign(done, {
      pid: 10_000 + serial,
      stdout: null,
      stderr: this.stderr,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => this.killCli(signal),
    });
    this.start();
  }

  private start(): void {
    const { run } = this;
    if (run.cliError !== undefined) {
      this.end({ exitCode: 127, error: run.cliError });
      return;
    }
    if (run.stderr) this.stderr.write(run.stderr);
    if (run.createdAfterMs !== null) this.later(run.createdAfterMs ?? 0, () => this.create());
    if (run.exit !== undefined) this.later(run.afterMs ?? 0, () => this.end({ exitCode: run.exit }));
    if (run.cliKilledBy) this.later(run.afterMs ?? 0, () => this.killCli(run.cliKilledBy!));
  }

  private create(): void {
    if (this.state === 'none') this.state = 'running';
  }

  private later(ms: number, what: () => void): void {
    this.timers.push(setTimeout(what, ms));
  }

  /** The CLI process ends: after what it printed has flowed to the job's reader. */
  end(result: SpawnResult): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.state !== 'none') this.state = 'exited';
    setImmediate(() => {
      this.stderr.end();
      this.resolve(result);
    });
  }

  private killCli(signal: NodeJS.Signals): boolean {
    const container = this.state;
    this.end({ signal });
    this.state = container; // the container outlives its CLI
    return true;
  }

  get live(): boolean {
    return this.state === 'running' || this.state === 'paused';
  }

  signal(signal: string): ControlResult {
    if (!this.live) return this.state === 'none' ? absent(this.name) : notRunning(this.id);
    const status = this.run.diesOn?.[signal];
    if (status !== undefined) this.end({ exitCode: status });
    return { ok: true };
  }

  pause(paused: boolean): ControlResult {
    if (!this.live) return notRunning(this.id);
    this.state = paused ? 'paused' : 'running';
    return { ok: true };
  }

  /** `rm --force`: SIGKILL to a live container (the CLI returns 137), then it is gone. */
  remove(): ControlResult {
    if (!this.live) return this.state === 'none' ? absent(this.name) : { ok: true };
    this.end({ exitCode: 137 });
    return { ok: true };
  }
}

const notRunning = (id: string): ControlResult => ({
  ok: false,
  absent: true,
  message: `Error response from daemon: Container ${id} is not running`,
});
