/**
 * docker's multiplexed attach stream (no terminal): frames of an 8-byte header (the stream:
 * 1 stdout, 2 stderr; then the payload's size, big-endian, in bytes 4-7) and the payload.
 * Payloads are passed on as they arrive, a frame split across chunks included, without copies.
 */
export type StreamId = 1 | 2;

const HEADER = 8;

export class Demuxer {
  /** Bytes of a header split across chunks. */
  private header: Buffer = Buffer.alloc(0);
  private stream: StreamId = 1;
  /** Payload bytes still to come in the current frame. */
  private remaining = 0;

  constructor(private readonly emit: (stream: StreamId, data: Buffer) => void) {}

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.emit(this.stream, chunk.subarray(at, at + take));
        this.remaining -= take;
        at += take;
        continue;
      }
      const need = HEADER - this.header.length;
      const part = chunk.subarray(at, at + need);
      at += part.length;
      this.header = this.header.length ? Buffer.concat([this.header, part]) : part;
      if (this.header.length < HEADER) return;
      // 0 (stdin) never comes back; anything but 2 is shown as stdout, as the CLI does.
      this.stream = this.header[0] === 2 ? 2 : 1;
      this.remaining = this.header.readUInt32BE(4);
      this.header = Buffer.alloc(0);
    }
  }
}
