/**
 * The frames between the compiled bsub (scripts/submit-client.c) and its dispatcher: one type
 * byte, a 4-byte big-endian length, the payload. The request ('R') holds NUL-ended strings:
 * "LSFD-SUBMIT 1", "1" or "0" (stdin is a terminal), the working directory, argc, the argv words,
 * then the environment's NAME=value entries. Pure.
 */

export const REQUEST_MAGIC = 'LSFD-SUBMIT 1';
/** The largest frame taken (a request holds the whole environment). */
export const FRAME_LIMIT = 64 * 1024 * 1024;

export interface Frame {
  type: string;
  data: Buffer;
}

/** What a bsub client asked for. */
export interface SubmitRequest {
  stdinIsTTY: boolean;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
}

export function encodeFrame(type: string, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = Buffer.alloc(5);
  head.write(type, 0, 1, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export const statusFrame = (status: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(status >>> 0, 0);
  return encodeFrame('x', b);
};

/** Collects bytes as they come and hands out whole frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds CHUNK; returns the frames now complete. Throws on a frame over FRAME_LIMIT. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= 5) {
      const len = this.pending.readUInt32BE(1);
      if (len > FRAME_LIMIT) throw new Error(`a frame of ${len} bytes (the limit is ${FRAME_LIMIT})`);
      if (this.pending.length < 5 + len) break;
      frames.push({
        type: this.pending.toString('latin1', 0, 1),
        data: this.pending.subarray(5, 5 + len),
      });
      this.pending = this.pending.subarray(5 + len);
    }
    return frames;
  }
}

/** The request in DATA, or why it is not one. */
export function parseRequest(data: Buffer): SubmitRequest | string {
  const fields = data.toString('utf8').split('\0');
  if (fields.pop() !== '') return 'the request does not end with a NUL';
  const [magic, tty, cwd, count] = fields;
  if (magic !== REQUEST_MAGIC) return `not a request of this version ("${magic}")`;
  if (tty !== '0' && tty !== '1') return 'the terminal flag is not 0 or 1';
  if (!cwd?.startsWith('/')) return 'the working directory is not absolute';
  const argc = Number(count);
  if (!Number.isInteger(argc) || argc < 0 || 4 + argc > fields.length) return 'the argument count is wrong';
  const env = Object.create(null) as Record<string, string>; // '__proto__' is a name like any other
  for (const entry of fields.slice(4 + argc)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!Object.hasOwn(env, name)) env[name] = entry.slice(eq + 1); // the first of a name, as getenv
  }
  return { stdinIsTTY: tty === '1', cwd, argv: fields.slice(4, 4 + argc), env };
}
