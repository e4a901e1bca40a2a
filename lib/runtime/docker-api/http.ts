/**
 * The smallest HTTP/1.1 client the Engine API needs, over a unix socket: one connection per
 * request, a response head parsed by hand, bodies by Content-Length, chunks or the end of the
 * connection, and the raw stream after a hijack (attach). node:http would cost the job's start
 * several milliseconds to load and hides the half-close that attaching stdin needs; the
 * connections themselves come from connect.ts (the addon's descriptor, or node:net).
 */
import { type Connection, type Connector, connectUnix, DIRECT_WRITE_MAX } from './connect.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  /** Path and query, already encoded. */
  path: string;
  /** A JSON text. */
  body?: string;
  /** Ask the daemon to hijack the connection (attach): the raw stream follows the head. */
  upgrade?: boolean;
  /** The caller writes into the hijacked connection and ends its side itself (an attached stdin). */
  halfOpen?: boolean;
}

export interface HttpHead {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

/** An answered request: its head now, its body when the daemon ends it (or the raw socket after a hijack). */
export interface HttpExchange extends HttpHead {
  /** The whole body (chunks decoded); never settles for a hijacked connection. */
  body: Promise<Buffer>;
  socket: Connection;
}

/** The daemon's socket could not be reached (ENOENT, ECONNREFUSED, EACCES...) or closed before answering. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const HEAD_END = Buffer.from('\r\n\r\n');
/** The body of a hijacked connection: there is none. */
const never = new Promise<Buffer>(() => {});
const MAX_HEAD = 64 * 1024;

/** The request's bytes: request line, headers, body. Pure. */
export function requestText(req: HttpRequest): string {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: docker'];
  if (req.upgrade) lines.push('Connection: Upgrade', 'Upgrade: tcp');
  if (req.body !== undefined) {
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(req.body)}`);
  } else if (req.method === 'POST') {
    lines.push('Content-Length: 0');
  }
  return `${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`;
}

/** Status and headers of a response head (without the blank line); undefined when it is not HTTP. Pure. */
export function parseHead(text: string): HttpHead | undefined {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1];
  if (status === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status), headers };
}

/**
 * A response body fed chunk by chunk: by Content-Length, by chunked transfer coding, or up to
 * the end of the connection. done() says whether the whole body has arrived.
 */
export class BodyReader {
  private readonly parts: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private remaining: number;
  private finished = false;
  private readonly chunked: boolean;

  constructor(head: HttpHead, method: string) {
    this.chunked = /chunked/i.test(head.headers['transfer-encoding'] ?? '');
    const length = head.headers['content-length'];
    const empty = method === 'HEAD' || head.status === 204 || head.status === 304 || head.status < 200;
    this.remaining = empty ? 0 : length !== undefined ? Number(length) : Number.POSITIVE_INFINITY;
    if (this.remaining === 0 && !this.chunked) this.finished = true;
  }

  done(): boolean {
    return this.finished;
  }

  body(): Buffer {
    return Buffer.concat(this.parts);
  }

  /** Adds DATA; returns done(). */
  feed(data: Buffer): boolean {
    if (this.finished) return true;
    if (!this.chunked) {
      const take = data.subarray(0, Math.min(data.length, this.remaining));
      this.parts.push(take);
      this.remaining -= take.length;
      this.finished = this.remaining === 0;
      return this.finished;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    this.readChunks();
    return this.finished;
  }

  /** The connection ended: a body delimited by the end is now complete. */
  end(): boolean {
    if (!this.chunked && this.remaining === Number.POSITIVE_INFINITY) this.finished = true;
    return this.finished;
  }

  private readChunks(): void {
    for (;;) {
      if (this.remaining > 0 && this.remaining !== Number.POSITIVE_INFINITY) {
        // Inside a chunk: its data, then its CRLF.
        if (this.pending.length < this.remaining + 2) return;
        this.parts.push(this.pending.subarray(0, this.remaining));
        this.pending = this.pending.subarray(this.remaining + 2);
        this.remaining = 0;
        continue;
      }
      const eol = this.pending.indexOf('\r\n');
      if (eol < 0) return;
      const size = Number.parseInt(this.pending.subarray(0, eol).toString('latin1'), 16);
      this.pending = this.pending.subarray(eol + 2);
      if (!Number.isFinite(size) || size === 0) {
        this.finished = true;
        return;
      }
      this.remaining = size;
    }
  }
}

/**
 * Sends REQ on a new connection to SOCKETPATH and resolves at the response head. Rejects with a
 * ConnectionError when the daemon cannot be reached or closes without answering, or when SIGNAL
 * aborts (which closes the connection at any time, its body or stream included).
 */
export function openExchange(
  socketPath: string,
  req: HttpRequest,
  signal?: AbortSignal,
  connectTo: Connector = connectUnix,
): Promise<HttpExchange> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ConnectionError('the request was cancelled', 'ABORT_ERR'));
    let socket: Connection;
    try {
      const big = req.body !== undefined && Buffer.byteLength(req.body) > DIRECT_WRITE_MAX;
      socket = connectTo(socketPath, req.halfOpen === true || big);
    } catch (err) {
      const { message, code } = err as Error & { code?: string };
      return reject(new ConnectionError(message, code));
    }
    // Cancelled (a timeout, the watchdog, the run's end): the connection goes, answered or not.
    const cancel = () => {
      socket.destroy();
      reject(new ConnectionError('the request was cancelled', 'ABORT_ERR'));
    };
    signal?.addEventListener('abort', cancel, { once: true });
    socket.once('close', () => signal?.removeEventListener('abort', cancel));
    let head: Buffer = Buffer.alloc(0);
    const fail = (err: Error & { code?: string }) => {
      socket.destroy();
      reject(new ConnectionError(err.message, err.code));
    };
    const onData = (data: Buffer) => {
      head = head.length ? Buffer.concat([head, data]) : data;
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        if (head.length > MAX_HEAD) fail(new Error('the daemon sent a response head over 64 KiB'));
        return;
      }
      const parsed = parseHead(head.subarray(0, end).toString('latin1'));
      if (!parsed) return fail(new Error('the daemon did not answer in HTTP'));
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
      const rest = head.subarray(end + HEAD_END.length);
      if (!hijacked(parsed, req)) {
        resolve({ ...parsed, socket, body: readBody(socket, parsed, req, rest) });
        return;
      }
      // The raw stream is the caller's from now on: hold it until it listens, errors included
      // (it sees them as the stream's end).
      socket.pause();
      if (rest.length) socket.unshift(rest);
      socket.on('error', () => {});
      resolve({ ...parsed, socket, body: never });
    };
    const onEnd = () => fail(new Error('the daemon closed the connection without answering'));
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('end', onEnd);
    socket.write(requestText(req));
  });
}

/** A hijacked attach: 101, or a raw stream in a 200 answer. */
function hijacked(head: HttpHead, req: HttpRequest): boolean {
  return req.upgrade === true && (head.status === 101 || head.status === 200);
}

function readBody(socket: Connection, head: HttpHead, req: HttpRequest, first: Buffer): Promise<Buffer> {
  const reader = new BodyReader(head, req.method);
  return new Promise((resolve, reject) => {
    const finish = () => {
      socket.destroy();
      resolve(reader.body());
    };
    if ((first.length && reader.feed(first)) || reader.done()) return finish();
    socket.on('data', (data: Buffer) => {
      if (reader.feed(data)) finish();
    });
    socket.once('end', () => {
      if (reader.end()) finish();
      else
        reject(new ConnectionError('the daemon closed the connection in the middle of an answer', undefined));
    });
    socket.once('error', (err: Error & { code?: string }) =>
      reject(new ConnectionError(err.message, err.code)),
    );
    socket.once('close', () =>
      reject(new ConnectionError('the connection to the daemon was closed', undefined)),
    );
  });
}
