/**
 * A connection to the daemon's socket as a plain descriptor (the addon's unixConnect), read
 * with fs.read on libuv's threads and written with fs.writeSync: what the Engine API client
 * needs of a socket without node:net, whose load costs a job's start about 4 ms and 1.5 MB of
 * RSS here. It speaks the part of net.Socket's events the client uses: 'data' while flowing
 * (pause, resume, unshift), 'end' at the daemon's end of the stream, 'error', then 'close' once.
 * destroy() shuts the socket down, which wakes a read blocked in a thread, and the descriptor is
 * closed only once no read is under way (never while a thread may still read from it).
 */
import { EventEmitter } from 'node:events';
import { closeSync, read, writeSync } from 'node:fs';

/** The addon's socket calls (scripts/native-addon.c). */
export interface SocketCalls {
  unixConnect(path: string): number;
  socketShutdown(fd: number, how: 0 | 1 | 2): number;
}

/** What a read asks for at once: the daemon's answers are small, a job's output comes in pieces. */
const READ_SIZE = 64 * 1024;

export class FdConnection extends EventEmitter {
  private flowing = true;
  private reading = false;
  private ended = false;
  private destroyed = false;
  private closed = false;
  private readonly queue: Buffer[] = [];

  constructor(
    private readonly fd: number,
    private readonly calls: SocketCalls,
  ) {
    super();
    queueMicrotask(() => this.pump());
  }

  /** Connects to the unix socket at PATH; throws as unixConnect does (err.code ENOENT, ECONNREFUSED...). */
  static connect(path: string, calls: SocketCalls): FdConnection {
    return new FdConnection(calls.unixConnect(path), calls);
  }

  /** Sends DATA whole (the socket blocks while the daemon's buffer is full); a failure is an 'error', then the end. */
  write(data: string | Buffer): boolean {
    if (this.destroyed) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (err) {
      process.nextTick(() => this.fail(err as Error));
      return false;
    }
    return true;
  }

  /** Half-closes: the daemon reads the end of our side (stdin's end, for an attach). */
  end(): void {
    if (!this.destroyed) this.calls.socketShutdown(this.fd, 1);
  }

  pause(): this {
    this.flowing = false;
    return this;
  }

  resume(): this {
    this.flowing = true;
    queueMicrotask(() => this.pump());
    return this;
  }

  /** Puts CHUNK back in front of what is still to be read. */
  unshift(chunk: Buffer): void {
    this.queue.unshift(chunk);
  }

  /** Closes the connection at once: no more 'data' or 'end'; 'close' follows. */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.queue.length = 0;
    if (this.reading) this.calls.socketShutdown(this.fd, 2);
    else this.closeNow();
    return this;
  }

  /** Emits what is queued while flowing, then reads on; at the end of the stream, 'end' once. */
  private pump(): void {
    while (this.flowing && !this.destroyed && this.queue.length > 0) this.emit('data', this.queue.shift());
    if (!this.flowing || this.destroyed) return;
    if (this.ended) {
      this.finish();
      return;
    }
    if (this.reading) return;
    this.reading = true;
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    read(this.fd, buffer, 0, READ_SIZE, null, (err, n) => {
      this.reading = false;
      if (this.destroyed) return this.closeNow();
      if (err) return this.fail(err);
      if (n === 0) this.ended = true;
      else this.queue.push(buffer.subarray(0, n));
      this.pump();
    });
  }

  private finish(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('end');
    this.closeNow();
  }

  private fail(err: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.listenerCount('error') > 0) process.nextTick(() => this.emit('error', err));
    if (this.reading) this.calls.socketShutdown(this.fd, 2);
    else this.closeNow();
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already gone
    }
    // As net.Socket: after the caller's own code (destroy() then resolve() sees no 'close' first).
    process.nextTick(() => this.emit('close'));
  }
}
