/**
 * The submit socket's pieces that decide (lib/local/submit-*.ts): the socket's path (the same
 * FNV-1a-64 as scripts/submit-client.c), the frames, the request, what the dispatcher serves, and
 * a conversation over a real unix socket pair.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { Conversation } from '../../../lib/local/submit-conversation.js';
import {
  encodeFrame,
  FRAME_LIMIT,
  FrameReader,
  parseRequest,
  REQUEST_MAGIC,
  statusFrame,
} from '../../../lib/local/submit-frames.js';
import { servable } from '../../../lib/local/submit-server.js';
import { fnv1a64, submitSocketPath } from '../../../lib/local/submit-socket.js';
import type { BsubArgs } from '../../../lib/scheduler/lsf/bsub-options.js';

const request = (fields: string[]) => Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');

describe('the socket path', () => {
  test('FNV-1a-64 as the published test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  test('in the home dir, keyed by the config path', () => {
    const a = submitSocketPath('/home/u', '/etc/lsf-docker/lsf-docker.conf');
    expect(a).toMatch(/^\/home\/u\/\.lsf-docker\/submit-[0-9a-f]{16}\.sock$/);
    expect(submitSocketPath('/home/u', '/etc/lsf-docker/other.conf')).not.toBe(a);
  });
});

describe('frames', () => {
  test('a frame split anywhere comes out whole, several in one chunk apart', () => {
    const bytes = Buffer.concat([encodeFrame('o', 'hello'), encodeFrame('a'), statusFrame(210)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const reader = new FrameReader();
      const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(frames.map((f) => f.type)).toEqual(['o', 'a', 'x']);
      expect(frames[0]!.data.toString()).toBe('hello');
      expect(frames[2]!.data.readUInt32BE(0)).toBe(210);
    }
  });

  test('a frame over the limit is refused before it is collected', () => {
    const head = Buffer.alloc(5);
    head.write('R', 0, 'latin1');
    head.writeUInt32BE(FRAME_LIMIT + 1, 1);
    expect(() => new FrameReader().push(head)).toThrow(/limit/);
  });
});

describe('the request', () => {
  test('argv, cwd, terminal flag and environment (the first of a name wins)', () => {
    const r = parseRequest(
      request([REQUEST_MAGIC, '0', '/work', '2', '-J', 'x y', 'A=1', 'B==2', 'A=3', 'junk', '__proto__=p']),
    );
    expect(r).toEqual({ stdinIsTTY: false, cwd: '/work', argv: ['-J', 'x y'], env: expect.anything() });
    const env = (r as { env: Record<string, string> }).env;
    expect({ ...env }).toEqual({ A: '1', B: '=2', ['__proto__']: 'p' });
    expect(Object.getPrototypeOf(env)).toBeNull();
  });

  test.each([
    [[`${REQUEST_MAGIC}x`, '0', '/w', '0'], /version/],
    [[REQUEST_MAGIC, '2', '/w', '0'], /terminal/],
    [[REQUEST_MAGIC, '0', 'w', '0'], /absolute/],
    [[REQUEST_MAGIC, '0', '/w', '3', 'a'], /count/],
    [[REQUEST_MAGIC, '0', '/w', '-1'], /count/],
  ])('%j is refused', (fields, why) => {
    expect(parseRequest(request(fields as string[]))).toMatch(why);
  });

  test('a request not ended by NUL is refused', () => {
    expect(parseRequest(Buffer.from([REQUEST_MAGIC, '0', '/w', '0'].join('\0')))).toMatch(/NUL/);
  });
});

describe('what the dispatcher serves', () => {
  const args = (over: Partial<BsubArgs> = {}): BsubArgs => ({
    apps: [],
    wait: false,
    slots: 1,
    resReq: [],
    command: ['true'],
    ...over,
  });
  const own = () => true;
  test('a plain bsub with its own esubs', () => {
    expect(servable(args(), [{ name: 'docker', args: ['i'] }], own)).toBe(true);
  });
  test.each([
    ['-K', { wait: true }],
    ['-I', { interactive: 'I' as const }],
    ['-Is', { interactive: 'Is' as const }],
    ['-tty', { tty: true }],
  ])('%s goes to the Node bsub', (_o, over) => {
    expect(servable(args(over), [], own)).toBe(false);
  });
  test('an esub that is not this installation’s own goes to the Node bsub', () => {
    expect(servable(args(), [{ name: '', args: [] }], (a) => a.name !== '')).toBe(false);
  });
});

describe('a conversation', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function pair(idleMs = 30_000): Promise<{ conv: Conversation; client: Socket }> {
    dir = mkdtempSync(join(tmpdir(), 'submit-conv-'));
    const path = join(dir, 's.sock');
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
      server.listen(path);
    });
    const client = createConnection(path);
    const socket = await accepted;
    return { conv: new Conversation(socket, idleMs), client };
  }

  test('frames in order, then undefined when the client closes', async () => {
    const { conv, client } = await pair();
    client.write(Buffer.concat([encodeFrame('i', 'ab'), encodeFrame('I')]));
    expect((await conv.next())?.data.toString()).toBe('ab');
    expect((await conv.next())?.type).toBe('I');
    client.end();
    expect(await conv.next()).toBeUndefined();
  });

  test('a silent client is dropped after the idle time', async () => {
    const { conv, client } = await pair(50);
    expect(await conv.next()).toBeUndefined();
    client.destroy();
  });

  test('end sends the status, or a decline', async () => {
    const { conv, client } = await pair();
    const got: Buffer[] = [];
    client.on('data', (b) => got.push(b));
    const closed = new Promise((r) => client.on('end', r));
    conv.send('o', 'x');
    conv.end(3);
    await closed;
    const frames = new FrameReader().push(Buffer.concat(got));
    expect(frames.map((f) => f.type)).toEqual(['o', 'x']);
    expect(frames[1]!.data.readUInt32BE(0)).toBe(3);
    client.destroy();
  });
});
