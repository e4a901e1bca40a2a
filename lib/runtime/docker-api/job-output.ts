/**
 * Where the job's output goes from the attach stream, without node:stream: process.stdout and
 * process.stderr load it (about 3 ms of a job's start here) the first time they are touched, and
 * a job that prints nothing never needs them. FdSink writes to the wrapper's own descriptor as
 * Node's stdout does for files, pipes and terminals on Linux (synchronously); ChunkPipe hands
 * each chunk to its 'data' listeners (the job's stderr, held until the container exists).
 */
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';

/** What the run writes the job's output into: a Writable is one. */
export interface OutputSink {
  write(chunk: Buffer | string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** A writable stream to hand over to: process.stdout or process.stderr. */
type Fallback = () => OutputSink;

/**
 * Writes to descriptor FD with writeSync. When FD would block (a non-blocking pipe shared with
 * another process) or fails otherwise, this write's rest and every later one go to FALLBACK()
 * instead, in order, with its backpressure ('drain'). When its reader is gone (EPIPE: `| head`),
 * the rest of the job's output is dropped: the wrapper stays to see the job to its end.
 */
export class FdSink extends EventEmitter implements OutputSink {
  private handedOver: OutputSink | undefined;
  private readerGone = false;

  constructor(
    private readonly fd: number,
    private readonly fallback: Fallback,
  ) {
    super();
  }

  write(chunk: Buffer | string): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let at = 0;
    if (this.readerGone) return true;
    if (this.handedOver === undefined) {
      try {
        while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
        return true;
      } catch (err) {
        this.readerGone = (err as NodeJS.ErrnoException).code === 'EPIPE';
        if (this.readerGone) return true;
        this.handedOver = this.fallback();
      }
    }
    const sink = this.handedOver;
    if (sink.write(at === 0 ? bytes : bytes.subarray(at))) return true;
    sink.once('drain', () => this.emit('drain'));
    return false;
  }
}

/** Each chunk written goes to the 'data' listeners at once; end() emits 'end'. */
export class ChunkPipe extends EventEmitter implements OutputSink {
  write(chunk: Buffer | string): boolean {
    this.emit('data', typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    return true;
  }

  end(): void {
    this.emit('end');
  }
}

/** The wrapper's own stdout and stderr as sinks (process.stdout and process.stderr only when needed). */
export const ownStdout = (): OutputSink => new FdSink(1, () => process.stdout);
export const ownStderr = (): OutputSink => new FdSink(2, () => process.stderr);
