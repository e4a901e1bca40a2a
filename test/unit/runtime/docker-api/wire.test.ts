/** The API runtime's wire: HTTP heads and bodies, the multiplexed stream, the client's errors and versions. */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  ApiError,
  ApiTimeout,
  EngineClient,
  errorMessage,
  versionAsked,
} from '../../../../lib/runtime/docker-api/client.js';
import { Demuxer, type StreamId } from '../../../../lib/runtime/docker-api/demux.js';
import {
  BodyReader,
  ConnectionError,
  parseHead,
  requestText,
} from '../../../../lib/runtime/docker-api/http.js';
import { memoryLogger } from '../../job/helpers.js';

describe('HTTP', () => {
  test('a request: its line, a Host, the JSON body with its length; POST without a body says 0', () => {
    expect(requestText({ method: 'POST', path: '/v1.41/x', body: '{"a":"é"}' })).toBe(
      'POST /v1.41/x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"a":"é"}',
    );
    expect(requestText({ method: 'POST', path: '/s', upgrade: true })).toBe(
      'POST /s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
    );
    expect(requestText({ method: 'GET', path: '/g' })).toBe('GET /g HTTP/1.1\r\nHost: docker\r\n\r\n');
  });

  test('a response head: status, headers in lower case; not HTTP: undefined', () => {
    expect(
      parseHead('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nApi-Version: 1.41'),
    ).toEqual({
      status: 404,
      headers: { 'content-type': 'application/json', 'api-version': '1.41' },
    });
    expect(parseHead('SSH-2.0-OpenSSH')).toBeUndefined();
  });

  const feedAll = (reader: BodyReader, parts: string[]) => {
    let done = false;
    for (const p of parts) done = reader.feed(Buffer.from(p));
    return done;
  };

  test.each<[string, Record<string, string>, string[], string]>([
    ['by length', { 'content-length': '5' }, ['he', 'llo'], 'hello'],
    [
      'chunked, split anywhere',
      { 'transfer-encoding': 'chunked' },
      ['5\r\nhe', 'llo\r', '\n3\r\n', 'abc\r\n0\r', '\n\r\n'],
      'helloabc',
    ],
    [
      'chunked, one piece',
      { 'transfer-encoding': 'chunked' },
      ['1d\r\n{"StatusCode":0,"Error":null}\r\n0\r\n\r\n'],
      '{"StatusCode":0,"Error":null}',
    ],
  ])('a body %s', (_name, headers, parts, body) => {
    const reader = new BodyReader({ status: 200, headers }, 'POST');
    expect(feedAll(reader, parts)).toBe(true);
    expect(reader.body().toString()).toBe(body);
  });

  test('no length and no chunks: the body ends with the connection; 204 has none', () => {
    const reader = new BodyReader({ status: 200, headers: {} }, 'GET');
    expect(feedAll(reader, ['{"a"', ':1}'])).toBe(false);
    expect(reader.end()).toBe(true);
    expect(reader.body().toString()).toBe('{"a":1}');
    expect(new BodyReader({ status: 204, headers: {} }, 'POST').done()).toBe(true);
  });
});

describe('the multiplexed stream', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  test('frames split across chunks at every byte come out whole, each on its stream', () => {
    const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'two')]);
    for (let cut = 0; cut <= all.length; cut++) {
      const got: Record<StreamId, string> = { 1: '', 2: '' };
      const demux = new Demuxer((s, d) => {
        got[s] += d.toString();
      });
      demux.feed(all.subarray(0, cut));
      demux.feed(all.subarray(cut));
      expect(got).toEqual({ 1: 'out one\ntwo', 2: 'err\n' });
    }
  });
});

describe('the client', () => {
  test("the daemon's message, JSON or text", () => {
    expect(errorMessage('{"message":"No such container: x"}\n', 404)).toBe('No such container: x');
    expect(errorMessage('page not found\n', 404)).toBe('page not found');
    expect(errorMessage('', 500)).toBe('HTTP 500');
  });

  test('a refused version names the one to use', () => {
    const old =
      'client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client';
    expect(versionAsked(400, old)).toBe('1.44');
    expect(versionAsked(400, 'client version 1.41 is too new. Maximum supported API version is 1.40')).toBe(
      '1.40',
    );
    expect(versionAsked(404, old)).toBeUndefined();
    expect(versionAsked(400, 'invalid reference format')).toBeUndefined();
  });

  const withServer = async (
    onConnect: Parameters<typeof createServer>[1],
    run: (socket: string) => Promise<void>,
  ) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsfd-client-'));
    const socket = path.join(dir, 's');
    const server = createServer(onConnect);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      await run(socket);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('a daemon that does not answer: ApiTimeout after the timeout', async () => {
    const held: import('node:net').Socket[] = [];
    await withServer(
      (s) => void held.push(s),
      async (socket) => {
        const client = new EngineClient({ socketPath: socket, timeout: 0.2, log: memoryLogger() });
        const started = Date.now();
        await expect(client.call({ method: 'POST', path: '/containers/x/kill' })).rejects.toBeInstanceOf(
          ApiTimeout,
        );
        expect(Date.now() - started).toBeLessThan(2000);
        for (const s of held) s.destroy();
      },
    );
  });

  test('a daemon that closes without answering, or no socket: ConnectionError', async () => {
    await withServer(
      (s) => s.end(),
      async (socket) => {
        const client = new EngineClient({ socketPath: socket, timeout: 2, log: memoryLogger() });
        await expect(client.call({ method: 'GET', path: '/_ping' })).rejects.toBeInstanceOf(ConnectionError);
      },
    );
    const none = new EngineClient({ socketPath: '/nonexistent/sock', timeout: 2, log: memoryLogger() });
    await expect(none.call({ method: 'GET', path: '/_ping' })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('json(): the parsed answer, or an ApiError with the status and message', async () => {
    let n = 0;
    await withServer(
      (s) =>
        s.once('data', () => {
          const body = n++ === 0 ? '{"Id":"abc"}' : '{"message":"No such image: x"}';
          const status = n === 1 ? '200 OK' : '404 Not Found';
          s.end(`HTTP/1.1 ${status}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }),
      async (socket) => {
        const client = new EngineClient({ socketPath: socket, timeout: 2, log: memoryLogger() });
        expect(await client.json({ method: 'GET', path: '/images/x/json' })).toEqual({ Id: 'abc' });
        await expect(client.json({ method: 'GET', path: '/images/x/json' })).rejects.toEqual(
          new ApiError(404, 'No such image: x'),
        );
      },
    );
  });
});
