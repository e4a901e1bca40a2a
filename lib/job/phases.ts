import type { Logger } from '../kernel/log/logger.js';
import type { ContainerControl } from '../runtime/types.js';
import { escalationDelay } from '../scheduler/lsf/terminate.js';
import { JOB_SIGNALS, type SignalSource } from './signal-source.js';

/**
 * A job's life as typed phases, each an object that knows what a signal means while it lasts:
 * Preparing (no container can exist), Running (a run CLI is spawned: the container may exist),
 * Finished (nothing left to signal). The SignalRouter sends every signal to the current one.
 */
export interface Phase {
  onSignal(signal: NodeJS.Signals): void;
}

const isJobControl = (signal: string) => signal === 'SIGTSTP' || signal === 'SIGCONT';

/** How often, and how long apart, a signal is retried before the container exists (5 s in all). */
export const RELAY_ATTEMPTS = 50;
export const RELAY_RETRY_MS = 100;
/**
 * The same signal again within this many ms is the same delivery: through the sudo rule (the
 * secure mode) sudo relays each signal it receives to docker_run, which got it already from the
 * signal to the job's process group; relayed twice, a job's trap would run twice.
 */
export const DUPLICATE_MS = 200;

/**
 * No container exists (checking or pulling the image): a terminating signal is remembered and
 * aborts what is under way; the container is then never started. SIGTSTP/SIGCONT are ignored.
 */
export class Preparing implements Phase {
  first: string | undefined;
  private readonly aborter = new AbortController();
  constructor(first?: string) {
    if (first) this.onSignal(first as NodeJS.Signals);
  }
  get abort(): AbortSignal {
    return this.aborter.signal;
  }
  onSignal(signal: NodeJS.Signals): void {
    if (isJobControl(signal)) return;
    this.first ??= signal;
    this.aborter.abort();
  }
}

/**
 * One run CLI is spawned: signals go to the container through the runtime (retried until it
 * exists), SIGTSTP/SIGCONT pause and resume it, and the first SIGTERM starts the escalation that
 * removes the container before LSF's SIGKILL.
 */
export class Running implements Phase {
  /** The first terminating signal relayed (ends the job if this run turns out to need a pull). */
  first: string | undefined;
  /** The escalation removed the container: an exit of 137 is not an OOM kill. */
  forcedRemoval = false;
  private escalation: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly control: ContainerControl,
    private readonly log: Logger,
    private readonly terminateInterval: number,
  ) {}

  onSignal(signal: NodeJS.Signals): void {
    if (isJobControl(signal)) {
      void (signal === 'SIGTSTP' ? this.control.pause() : this.control.resume());
      return;
    }
    this.first ??= signal;
    void this.relay(signal);
    if (signal === 'SIGTERM' && !this.escalation) this.escalate();
  }

  /** The run CLI returned: no more relaying, no escalation. */
  end(): void {
    this.ended = true;
    if (this.escalation) clearTimeout(this.escalation);
  }

  // A signal that arrives after the run CLI is spawned but before the runtime has created and
  // started the container finds nothing to signal: try again until it is delivered or the run ends.
  private async relay(signal: NodeJS.Signals): Promise<void> {
    for (let attempt = 0; attempt < RELAY_ATTEMPTS && !this.ended; attempt++) {
      const result = await this.control.signal(signal);
      if (result.ok) return;
      this.log.debug(`kill --signal=${signal}: ${result.message}`);
      if (!result.absent) return;
      await new Promise((resolve) => setTimeout(resolve, RELAY_RETRY_MS));
    }
  }

  private escalate(): void {
    const delay = escalationDelay(this.terminateInterval);
    this.log.debug(`container will be removed in ${delay}s if still running`);
    this.escalation = setTimeout(() => {
      this.forcedRemoval = true;
      this.log.warning(`job still running ${delay}s after SIGTERM: removing its container`);
      void this.control.remove();
    }, delay * 1000);
  }
}

/** The run is over: what is left is removing a lost container; signals change nothing. */
export const FINISHED: Phase = { onSignal: () => {} };

/** Installs the job's signal handlers once and sends each signal to the current phase. */
export class SignalRouter {
  private phase: Phase;
  private last: { signal: string; at: number } | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (this.last?.signal === signal && now - this.last.at < DUPLICATE_MS) {
      this.log.debug(`${signal} again within ${DUPLICATE_MS} ms: the same delivery, not relayed twice`);
      return;
    }
    this.last = { signal, at: now };
    this.log.info(`received ${signal}`);
    this.phase.onSignal(signal);
  };

  constructor(
    private readonly source: SignalSource,
    private readonly log: Logger,
    first: Phase,
  ) {
    this.phase = first;
    for (const s of JOB_SIGNALS) source.on(s, this.handler);
  }

  enter<P extends Phase>(phase: P): P {
    this.phase = phase;
    return phase;
  }

  close(): void {
    this.phase = FINISHED;
    for (const s of JOB_SIGNALS) this.source.off(s, this.handler);
  }
}
