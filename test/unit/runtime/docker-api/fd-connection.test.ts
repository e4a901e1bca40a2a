/**
 * The Engine API's connections without node:net (fd-connection.ts over the addon's unixConnect
 * and socketShutdown), against a real unix socket server: what the client relies on of a
 * socket (data in order, pause/resume/unshift, end then close, errors with their code), and
 * that no descriptor is left open however the connection ends: read to its end, destroyed
 * while a thread is blocked reading it, or broken by the peer.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { type Connector, connectorOf, DIRECT_WRITE_MAX } from '../../../../lib/runtime/docker-api/connect.js';
import type { SocketCalls } from '../../../../lib/runtime/docker-api/fd-connection.js';
import { FdConnection } from '../../../../lib/runtime/docker-api/fd-connection.js';
import { openExchange } from '../../../../lib/runtime/docker-api/http.js';
import { buildAddon, canBuild, suite } from '../../helpers/native-addon.js';

let built: ReturnType<typeof buildAddon> | undefined;
let calls: SocketCalls;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lsfd-fdconn-'));
  if (!canBuild) return;
  built = buildAddon();
  calls = built.addon as unknown as SocketCalls;
});
afterAll(() => {
  built?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const openFds = () => readdirSync('/proc/self/fd').length;

/** A server at a new socket path; ONCONNECTION gets each connection. */
async function serve(onConnection: (s: Socket) => void): Promise<{ path: string; server: Server }> {
  const socketPath = path.join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  const server = createServer({ allowHalfOpen: true }, (s) => {
    peers.add(s);
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { path: socketPath, server };
}
const peers = new Set<Socket>();
/** The descriptors open once the server's own ends of the connections are closed too. */
async function fdsWithoutPeers(): Promise<number> {
  for (const s of peers) s.destroy();
  peers.clear();
  await new Promise((r) => setTimeout(r, 20));
  return openFds();
}

const closed = (c: FdConnection) => new Promise<void>((resolve) => c.once('close', () => resolve()));
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

suite('FdConnection', () => {
  test('a request and its answer: data in order, then end, then close; the descriptor closed', async () => {
    const { path: p, server } = await serve((s) => {
      s.once('data', (d) => s.end(`got ${d.toString()}; `.repeat(3)));
    });
    const before = openFds();
    const c = FdConnection.connect(p, calls);
    const events: string[] = [];
    c.on('data', (d: Buffer) => events.push(d.toString()));
    c.once('end', () => events.push('END'));
    c.write('ping');
    await closed(c);
    expect(events.join('')).toBe(`${'got ping; '.repeat(3)}END`);
    expect(await fdsWithoutPeers()).toBe(before);
    await close(server);
  });

  test('paused, nothing is emitted; unshift puts a chunk first; resume delivers in order', async () => {
    let peer: Socket | undefined;
    const { path: p, server } = await serve((s) => {
      peer = s;
    });
    const c = FdConnection.connect(p, calls);
    c.pause();
    const seen: string[] = [];
    c.on('data', (d: Buffer) => seen.push(d.toString()));
    while (!peer) await new Promise((r) => setTimeout(r, 5));
    peer.write('second');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    c.unshift(Buffer.from('first,'));
    c.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.join('')).toBe('first,second');
    peer.end();
    await closed(c);
    await close(server);
  });

  test('destroyed while a thread is blocked reading: the read ends, close follows, no descriptor left', async () => {
    const { path: p, server } = await serve(() => {
      // never answers
    });
    const before = openFds();
    const c = FdConnection.connect(p, calls);
    const data: Buffer[] = [];
    c.on('data', (d: Buffer) => data.push(d));
    let ended = false;
    c.once('end', () => {
      ended = true;
    });
    await new Promise((r) => setTimeout(r, 50)); // the read is under way in libuv's pool
    c.destroy();
    await closed(c);
    expect(ended).toBe(false);
    expect(data).toEqual([]);
    expect(await fdsWithoutPeers()).toBe(before);
    await close(server);
  });

  test('no server at the path: thrown at once with the errno as code, as node:net words it', () => {
    const missing = path.join(dir, 'missing.sock');
    expect(() => FdConnection.connect(missing, calls)).toThrow(`connect ENOENT ${missing}`);
    try {
      FdConnection.connect(missing, calls);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
  });

  test('openExchange through it: an unreachable socket rejects with the errno as code', async () => {
    const missing = path.join(dir, 'gone.sock');
    const refused = openExchange(missing, { method: 'GET', path: '/_ping' }, undefined, connectorOf(calls));
    await expect(refused).rejects.toMatchObject({ code: 'ENOENT', message: `connect ENOENT ${missing}` });
  });

  test('the peer gone: a write fails as an error event (EPIPE), then close; no throw', async () => {
    const { path: p, server } = await serve((s) => s.destroy());
    const c = FdConnection.connect(p, calls);
    const done = closed(c);
    const errors: string[] = [];
    c.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? ''));
    c.on('data', () => {});
    await new Promise((r) => setTimeout(r, 50)); // the peer has closed (a small write: the server is this process)
    c.write('late');
    await done;
    expect(errors.length === 0 || ['EPIPE', 'ECONNRESET'].includes(errors[0]!)).toBe(true);
    await close(server);
  });

  test('openExchange through it: the head, a chunked body, and the connection closed after', async () => {
    const { path: p, server } = await serve((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        setTimeout(() => s.end('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), 30);
      });
    });
    const before = openFds();
    const exchange = await openExchange(p, { method: 'POST', path: '/wait' }, undefined, connectorOf(calls));
    expect(exchange.status).toBe(200);
    expect((await exchange.body).toString()).toBe('hello world');
    expect(await fdsWithoutPeers()).toBe(before);
    await close(server);
  });

  test('a body bigger than a socket buffer takes at once goes through node:net; a small one the descriptor', async () => {
    const { path: p, server } = await serve((s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'));
    const asked: boolean[] = [];
    const recording: Connector = (at, streaming) => {
      asked.push(streaming);
      return connectorOf(calls)(at, streaming);
    };
    await openExchange(p, { method: 'POST', path: '/x', body: '{}' }, undefined, recording);
    const big = JSON.stringify({ Env: ['X='.padEnd(DIRECT_WRITE_MAX + 10, 'x')] });
    await openExchange(p, { method: 'POST', path: '/x', body: big }, undefined, recording);
    expect(asked).toEqual([false, true]);
    await fdsWithoutPeers();
    await close(server);
  });

  test('a daemon that stops reading a 1 MB create: the wrapper is not blocked, its timer cancels the request', async () => {
    const { path: p, server } = await serve((s) => s.pause()); // accepts, never reads
    const cancel = new AbortController();
    const timer = setTimeout(() => cancel.abort(), 300);
    const body = JSON.stringify({ Env: ['X='.padEnd(1 << 20, 'x')] });
    const started = Date.now();
    const exchange = openExchange(
      p,
      { method: 'POST', path: '/containers/create', body },
      cancel.signal,
      connectorOf(calls),
    );
    await expect(exchange).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect(Date.now() - started).toBeLessThan(3000);
    clearTimeout(timer);
    await fdsWithoutPeers();
    await close(server);
  });

  test('a half-open connection (an attached stdin) goes through node:net even with the addon', async () => {
    const { path: p, server } = await serve((s) => s.end());
    const c = connectorOf(calls)(p, true);
    expect(c).not.toBeInstanceOf(FdConnection);
    c.destroy();
    const plain = connectorOf(calls)(p, false);
    expect(plain).toBeInstanceOf(FdConnection);
    plain.destroy();
    await close(server);
  });
});
