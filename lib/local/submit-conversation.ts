import type { Socket } from 'node:net';
import { encodeFrame, type Frame, FrameReader, statusFrame } from './submit-frames.js';

/** How long a client may leave the dispatcher waiting for its next frame before it is dropped. */
export const CLIENT_IDLE_MS = 30_000;

/**
 * One client of the submit socket as frames: next() the client's next frame (undefined once it
 * closed, sent something malformed, or kept silent for CLIENT_IDLE_MS), send() one of ours,
 * end() with the exit status (or none: declined) and close.
 */
export class Conversation {
  private readonly reader = new FrameReader();
  private readonly frames: Frame[] = [];
  private waiter?: (frame: Frame | undefined) => void;
  private over = false;

  constructor(
    private readonly socket: Socket,
    private readonly idleMs = CLIENT_IDLE_MS,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.reader.push(chunk));
      } catch {
        this.finish();
      }
      this.hand();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  next(): Promise<Frame | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish();
      }, this.idleMs);
      this.waiter = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.hand();
    });
  }

  send(type: string, data?: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(type, data));
  }

  end(status?: number): void {
    if (!this.socket.destroyed)
      this.socket.end(status === undefined ? encodeFrame('f') : statusFrame(status));
  }

  private finish(): void {
    this.over = true;
    this.hand();
  }

  private hand(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const frame = this.frames.shift();
    if (frame === undefined && !this.over) return;
    this.waiter = undefined;
    waiter(frame);
  }
}
