import type { Logger } from '../kernel/log/logger.js';
import type { ContainerRuntime, Spawned } from '../runtime/types.js';
import { escalationDelay } from '../scheduler/lsf/terminate.js';
import { readEnviron, sessionPids } from './session.js';

/** Signals docker_exec passes on: bkill's sequence and a closed terminal. */
export const EXEC_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What the session relay needs of the host: signal a pid, read its environ (tests give fakes). */
export interface HostProcesses {
  kill(pid: number, signal: NodeJS.Signals): void;
  environOf(pid: number): string | undefined;
}

export const realProcesses: HostProcesses = {
  kill: (pid, signal) => process.kill(pid, signal),
  environOf: readEnviron,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The processes one docker_exec started in a container, found again by their session token:
 * SIGINT, SIGTERM and SIGHUP go to them and to the exec CLI. After SIGTERM, what still runs
 * when LSF's SIGKILL is near is killed, as docker_run removes its container.
 */
export class ExecSession {
  received: NodeJS.Signals | undefined;
  child: Spawned | undefined;
  private killAt: number | undefined;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly container: string,
    private readonly token: string,
    private readonly terminateInterval: number,
    private readonly log: Logger,
    private readonly host: HostProcesses = realProcesses,
  ) {}

  readonly onSignal = (signal: NodeJS.Signals): void => {
    this.log.info(`received ${signal}`);
    this.received = signal;
    if (signal === 'SIGTERM') this.killAt ??= Date.now() + escalationDelay(this.terminateInterval) * 1000;
    this.child?.kill(signal);
    void this.signalAll(signal);
  };

  /** Host pids of the session's processes still in the container. */
  async pids(): Promise<number[]> {
    return sessionPids(await this.runtime.hostPids(this.container), this.token, this.host.environOf);
  }

  private async signalAll(signal: NodeJS.Signals): Promise<void> {
    for (const pid of await this.pids()) {
      try {
        this.host.kill(pid, signal);
      } catch {
        // ended meanwhile
      }
    }
  }

  /** After the CLI ended on a signal: wait for the session's processes (they got it too), SIGKILL them when due. */
  async drain(pollMs = 200): Promise<void> {
    for (;;) {
      const left = await this.pids();
      if (left.length === 0) return;
      if (this.killAt !== undefined && Date.now() >= this.killAt) {
        this.log.warning(`exec still running after SIGTERM: killing its ${left.length} process(es)`);
        await this.signalAll('SIGKILL');
        return;
      }
      await sleep(pollMs);
    }
  }
}
