import type { RunStderr } from '../runtime/types.js';

const STDERR_TAIL = 16 * 1024;

/** Where the wrapper writes to its own stderr (process.stderr unless a test captures it). */
export type StderrWriter = (chunk: Buffer | string) => void;
export const processStderr: StderrWriter = (chunk) => {
  process.stderr.write(chunk);
};

/**
 * The run CLI's stderr: held back while READY() is false (no container yet: the runtime's own
 * complaints, which may be retried or replaced by one clear line), passed through once it is
 * true, with a tail kept for classifying failures.
 */
export class HeldStderr implements RunStderr {
  held = '';
  tail = '';
  released = false;
  constructor(
    private readonly ready: () => boolean,
    private readonly out: StderrWriter = processStderr,
  ) {}

  write(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.tail = (this.tail + text).slice(-STDERR_TAIL);
    if (!this.released && this.ready()) this.release();
    if (this.released) this.out(chunk);
    else this.held += text;
  }

  /** Passes on what was held; from now on everything flows through. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.held) this.out(this.held);
    this.held = '';
  }
}
