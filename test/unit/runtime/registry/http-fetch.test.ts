/** The registry client's HTTP (node:http, not undici) against real servers on loopback. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import {
  answeredLookup,
  httpFetch,
  MAX_REDIRECTS,
  redirected,
} from '../../../../lib/runtime/registry/http-fetch.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let main: { server: Server; base: string };
let other: { server: Server; base: string };
const seen: Array<{ url: string; method: string; auth?: string; body: string }> = [];

beforeAll(async () => {
  other = await serve((req, body, res) => {
    seen.push({ url: `other${req.url}`, method: req.method!, auth: req.headers.authorization, body });
    res.end('elsewhere');
  });
  main = await serve((req, body, res) => {
    seen.push({ url: req.url!, method: req.method!, auth: req.headers.authorization, body });
    const at = new URL(req.url!, 'http://x');
    if (at.pathname === '/json') {
      res.setHeader('Docker-Content-Digest', 'sha256:abc');
      res.setHeader('Content-Type', 'application/json');
      res.end('{"token":"t"}');
    } else if (at.pathname === '/here') {
      res.writeHead(307, { Location: '/json' }).end();
    } else if (at.pathname === '/away') {
      res.writeHead(302, { Location: `${other.base}/blob` }).end();
    } else if (at.pathname === '/see-other') {
      res.writeHead(303, { Location: '/json' }).end();
    } else if (at.pathname === '/loop') {
      res.writeHead(302, { Location: '/loop' }).end();
    } else if (at.pathname === '/never') {
      // no answer: the caller's deadline ends it
    } else {
      res.writeHead(404).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    }
  });
});
afterAll(() => {
  main.server.closeAllConnections();
  main.server.close();
  other.server.close();
});

const get = (path: string, extra: Partial<Parameters<typeof httpFetch>[1]> = {}) =>
  httpFetch(`${main.base}${path}`, { method: 'GET', headers: { Authorization: 'Bearer secret' }, ...extra });

describe('httpFetch', () => {
  test('status, headers by any case, the body as JSON or bytes', async () => {
    const res = await get('/json');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe('sha256:abc');
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-missing')).toBeNull();
    expect(await res.json()).toEqual({ token: 't' });
    const missing = await get('/nothing');
    expect(missing.status).toBe(404);
    expect(Buffer.from(await missing.arrayBuffer()).toString('utf8')).toMatch(/NAME_UNKNOWN/);
  });

  test('a redirect in the origin keeps the authorization; one to another origin drops it', async () => {
    seen.length = 0;
    expect((await get('/here')).status).toBe(200);
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      ['/here', 'Bearer secret'],
      ['/json', 'Bearer secret'],
    ]);
    seen.length = 0;
    const away = await get('/away');
    expect(Buffer.from(await away.arrayBuffer()).toString('utf8')).toBe('elsewhere');
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      ['/away', 'Bearer secret'],
      ['other/blob', undefined],
    ]);
  });

  test('a POST sends its form; 303 goes on as a GET without it', async () => {
    seen.length = 0;
    await get('/json', { method: 'POST', body: 'grant_type=refresh_token' });
    await get('/see-other', { method: 'POST', body: 'a=b' });
    expect(seen.map((s) => [s.url, s.method, s.body])).toEqual([
      ['/json', 'POST', 'grant_type=refresh_token'],
      ['/see-other', 'POST', 'a=b'],
      ['/json', 'GET', ''],
    ]);
  });

  test(`more than ${MAX_REDIRECTS} redirects, a refused connection, a deadline: failures as fetch gives them`, async () => {
    await expect(get('/loop')).rejects.toMatchObject({ cause: { message: 'redirect count exceeded' } });
    await expect(httpFetch('http://127.0.0.1:9/', { method: 'GET', headers: {} })).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
    await expect(get('/never', { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  test('https: a name that does not resolve fails before TLS starts (no secure context built); one that does connects', async () => {
    const tls = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
    const made = jest.spyOn(tls, 'createSecureContext');
    try {
      await expect(
        httpFetch('https://no-such-registry.invalid/v2/', { method: 'GET', headers: {} }),
      ).rejects.toMatchObject({ message: 'fetch failed', cause: { code: 'ENOTFOUND' } });
      expect(made).not.toHaveBeenCalled();
      // localhost resolves: the connection is tried with the addresses found (nothing listens on 9).
      await expect(
        httpFetch('https://localhost:9/v2/', { method: 'GET', headers: {} }),
      ).rejects.toMatchObject({
        cause: { code: 'ECONNREFUSED' },
      });
    } finally {
      made.mockRestore();
    }
  });

  test('answeredLookup: every address for a lookup that asks for all, else the first', () => {
    const lookup = answeredLookup([
      { address: '10.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const got: unknown[] = [];
    lookup('r', { all: true }, (...a) => got.push(a));
    lookup('r', {}, (...a) => got.push(a));
    lookup('r', 4, (...a) => got.push(a));
    expect(got).toEqual([
      [
        null,
        [
          { address: '10.0.0.1', family: 4 },
          { address: '::1', family: 6 },
        ],
      ],
      [null, '10.0.0.1', 4],
      [null, '10.0.0.1', 4],
    ]);
  });

  test('redirected: the target resolved against the origin, a 301/302 POST becomes a GET', () => {
    const init = { method: 'POST', headers: { Authorization: 'x', 'Content-Type': 'f' }, body: 'b' };
    expect(redirected(new URL('http://r:5000/v2/a'), 307, '/v2/b', init)).toEqual({
      url: new URL('http://r:5000/v2/b'),
      init,
    });
    expect(redirected(new URL('http://r:5000/v2/a'), 302, 'https://s3/x', init)).toEqual({
      url: new URL('https://s3/x'),
      init: { method: 'GET', headers: {} },
    });
  });
});
