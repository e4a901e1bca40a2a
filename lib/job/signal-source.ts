import { RELAYED_SIGNALS } from '../kernel/signals.js';

/** Where signals come from: the process, or a test's emitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): unknown;
}

/** Every signal a job reacts to: the relayed ones, and SIGTSTP/SIGCONT for suspend and resume. */
export const JOB_SIGNALS: readonly NodeJS.Signals[] = [...RELAYED_SIGNALS, 'SIGTSTP', 'SIGCONT'];

/**
 * Catches terminating signals from the wrapper's first moment until runJob installs its own
 * handlers, so that a bkill during start-up ends the job cleanly (private dir removed, no
 * container started) instead of killing the wrapper mid-way.
 */
export class EarlySignals {
  first: string | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    this.first ??= signal;
  };
  constructor(private readonly source: SignalSource = process) {
    for (const s of RELAYED_SIGNALS) source.on(s, this.handler);
  }
  /** Stops catching; returns the first signal seen, if any. */
  release(): string | undefined {
    for (const s of RELAYED_SIGNALS) this.source.off(s, this.handler);
    return this.first;
  }
}
