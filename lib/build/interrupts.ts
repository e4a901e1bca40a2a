import type { Logger } from '../kernel/log/logger.js';
import { RELAYED_SIGNALS } from '../kernel/signals.js';

/**
 * The signals LSF sends a job (bkill, job control): the first one is remembered, and whatever
 * step is running is told to stop (the build CLI is cancelled, no further tag is pushed).
 */
export class Interrupts {
  private received: NodeJS.Signals | undefined;
  private stopCurrent: ((signal: NodeJS.Signals) => void) | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    this.log.info(`received ${signal}`);
    this.received ??= signal;
    this.stopCurrent?.(signal);
  };

  constructor(private readonly log: Logger) {
    for (const s of RELAYED_SIGNALS) process.on(s, this.handler);
  }

  /** The first signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  /** What to do when a signal arrives during the current step (undefined: nothing more). */
  onSignal(stop: ((signal: NodeJS.Signals) => void) | undefined): void {
    this.stopCurrent = stop;
  }

  dispose(): void {
    for (const s of RELAYED_SIGNALS) process.off(s, this.handler);
  }
}
