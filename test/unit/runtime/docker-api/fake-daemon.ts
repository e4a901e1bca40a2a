/**
 * A scripted Engine API on a unix socket, for the API runtime's unit tests: create, attach
 * (hijacked, multiplexed frames), wait (chunked, answered when the "container" ends), start,
 * kill, pause, unpause, delete, events, images, containers/json, top. Every request is
 * recorded with its body. Nothing runs: the script says what each call answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Recorded {
  method: string;
  path: string;
  body: string;
}

export interface DaemonScript {
  /** API versions the daemon accepts (default 1.41 only... and any when undefined). */
  minVersion?: string;
  /** The create answer: 201 with an id by default. */
  create?: { status: number; message?: string; warnings?: string[] };
  /** The start answer: 204 by default. */
  start?: { status: number; message?: string };
  /** Frames the container writes once started: [stream, text]. */
  frames?: Array<[1 | 2, string]>;
  /** Echo what arrives on stdin (until the client closes its side) as stdout, then end. */
  echoStdin?: boolean;
  /** The container's status; default 0. */
  exitCode?: number;
  /** Milliseconds the container runs after its frames. */
  runMs?: number;
  /** Never answer anything (a hung daemon). */
  hang?: boolean;
  /** Answers for other paths: [method, path prefix] -> status, body. */
  answers?: Array<{ method: string; prefix: string; status: number; body: string }>;
}

export const CONTAINER_ID = 'c0ffee'.padEnd(64, '0');

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function reply(socket: Socket, status: number, body = '', extra = ''): void {
  const reason = status === 101 ? 'UPGRADED' : 'X';
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

const message = (text?: string) => JSON.stringify({ message: text ?? 'error' });

export class FakeDaemon {
  readonly requests: Recorded[] = [];
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;
  private attach?: Socket;
  private wait?: Socket;
  private readonly sockets = new Set<Socket>();
  private readonly stdin: Buffer[] = [];
  private stdinEnded: Promise<unknown> = Promise.resolve();

  constructor(private readonly script: DaemonScript = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'lsfd-fake-daemon-'));
    this.socketPath = path.join(this.dir, 'docker.sock');
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.connection(socket));
  }

  listen(): Promise<this> {
    return new Promise((resolve) => this.server.listen(this.socketPath, () => resolve(this)));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The recorded calls as "METHOD /path" without the version and query. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path.replace(/^\/v[\d.]+/, '').split('?')[0]}`);
  }

  private connection(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString();
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.subarray(end + 4, end + 4 + length).toString();
      socket.off('data', onData);
      const [method = '', target = ''] = (head.split('\r\n')[0] ?? '').split(' ');
      this.requests.push({ method, path: target, body });
      if (!this.script.hang) this.route(socket, method, target);
    };
    socket.on('data', onData);
  }

  private route(socket: Socket, method: string, target: string): void {
    const version = /^\/v([\d.]+)\//.exec(target)?.[1];
    if (this.script.minVersion && version !== this.script.minVersion) {
      reply(
        socket,
        400,
        message(
          `client version ${version} is too old. Minimum supported API version is ${this.script.minVersion}, please upgrade your client to a newer version`,
        ),
      );
      return;
    }
    const p = target.replace(/^\/v[\d.]+/, '');
    const other = this.script.answers?.find((a) => a.method === method && p.startsWith(a.prefix));
    if (other) {
      reply(socket, other.status, other.body);
      return;
    }
    if (p.startsWith('/containers/create')) {
      const c = this.script.create;
      if (c && c.status !== 201) {
        reply(socket, c.status, message(c.message));
        return;
      }
      reply(socket, 201, JSON.stringify({ Id: CONTAINER_ID, Warnings: c?.warnings ?? [] }));
      return;
    }
    if (p.includes('/attach')) {
      socket.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
      this.attach = socket;
      // What the client sends before start waits in the container's stdin, as with docker.
      this.stdinEnded = new Promise((resolve) => socket.once('end', resolve));
      socket.on('data', (d: Buffer) => this.stdin.push(d));
      return;
    }
    if (p.includes('/wait')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      this.wait = socket;
      return;
    }
    if (p.includes('/start')) {
      const s = this.script.start;
      if (s && s.status !== 204) {
        reply(socket, s.status, message(s.message));
        this.exit(128);
        return;
      }
      reply(socket, 204);
      void this.runContainer();
      return;
    }
    if (method === 'DELETE') {
      reply(socket, 204);
      return;
    }
    reply(socket, 404, message(`page not found: ${p}`));
  }

  private async runContainer(): Promise<void> {
    const attach = this.attach!;
    for (const [stream, text] of this.script.frames ?? []) attach.write(frame(stream, text));
    if (this.script.echoStdin) {
      await this.stdinEnded;
      attach.write(frame(1, `stdin: ${Buffer.concat(this.stdin).toString()}`));
    }
    await new Promise((resolve) => setTimeout(resolve, this.script.runMs ?? 5));
    this.exit(this.script.exitCode ?? 0);
  }

  private exit(status: number): void {
    this.attach?.end();
    const body = JSON.stringify({ StatusCode: status, Error: null });
    this.wait?.write(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    this.wait?.end();
  }
}
