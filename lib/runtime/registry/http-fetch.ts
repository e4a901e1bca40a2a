/**
 * The registry client's HTTP on node:http and node:https, not the global fetch: Node loads
 * undici on the first fetch, which cost every `bsub -a docker(...)` about 25 ms of start-up (the
 * submit-time check of esub.docker), more than the request itself to a registry nearby. Only
 * what the client uses: one request, its status and headers, the body read whole; redirects
 * followed as fetch does (at most MAX_REDIRECTS, 303 as GET, Authorization dropped when the
 * redirect leaves the origin); the caller's AbortSignal ends the request.
 */
import type { LookupAddress } from 'node:dns';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { nodeDns, nodeHttp, nodeHttps } from '../../kernel/builtin.js';

/** What the registry client reads of a response (the global fetch's Response has it too). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
  readonly body?: { cancel(): Promise<void> } | null;
}

/** What the registry client sends. */
export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  /** A form's text (the token service's POST). */
  body?: string;
  signal?: AbortSignal;
  /** Redirects are always followed (as fetch's 'follow'). */
  redirect?: 'follow';
}

export type Fetch = (url: string, init: HttpRequest) => Promise<HttpResponse>;

export const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const transport = (protocol: string) => (protocol === 'https:' ? nodeHttps().request : nodeHttp().request);

/** Where a redirect goes and what is sent there. Pure. */
export function redirected(
  from: URL,
  status: number,
  location: string,
  init: HttpRequest,
): { url: URL; init: HttpRequest } {
  const url = new URL(location, from);
  const headers = { ...init.headers };
  if (url.origin !== from.origin) delete headers.Authorization;
  // As fetch: 303 (and 301/302 after a POST) go on as a GET without the body.
  const asGet =
    (status === 303 && init.method !== 'HEAD') ||
    ((status === 301 || status === 302) && init.method === 'POST');
  if (!asGet) return { url, init: { ...init, headers } };
  delete headers['Content-Type'];
  const { body: _dropped, ...rest } = init;
  return { url, init: { ...rest, method: 'GET', headers } };
}

const headerGetter = (headers: IncomingHttpHeaders) => ({
  get(name: string): string | null {
    const v = headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
});

function responseOf(res: IncomingMessage): HttpResponse {
  let read: Promise<Buffer> | undefined;
  const body = () =>
    (read ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve(Buffer.concat(chunks)));
      res.once('error', reject);
    }));
  return {
    status: res.statusCode ?? 0,
    headers: headerGetter(res.headers),
    async arrayBuffer() {
      const b = await body();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
    async json() {
      return JSON.parse((await body()).toString('utf8')) as unknown;
    },
    body: {
      async cancel() {
        res.destroy();
      },
    },
  };
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A lookup function for node:net that answers with ADDRESSES, found already. */
export function answeredLookup(addresses: LookupAddress[]) {
  return (_host: string, opts: { all?: boolean } | number | undefined, cb: LookupCallback) => {
    const first = addresses[0]!;
    if (typeof opts === 'object' && opts?.all) cb(null, addresses);
    else cb(null, first.address, first.family);
  };
}

/**
 * The addresses of an https URL's host, looked up before the TLS connection: node:tls builds its
 * secure context (the root certificates, about 50 ms) when the connection starts, before its own
 * lookup, so a registry whose name does not resolve (an offline host, a mistyped name) would cost
 * every submit-time check that much for nothing. Undefined for an IP address or plain http.
 */
async function addressesFirst(url: URL): Promise<LookupAddress[] | undefined> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An address literal (IPv6 has colons) needs no lookup. Not node:net's isIP: compiling its IPv6
  // pattern costs more (about 6 ms) than the lookup this saves.
  if (url.protocol !== 'https:' || host.includes(':') || /^[\d.]+$/.test(host)) return undefined;
  try {
    return await nodeDns().promises.lookup(host, { all: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: e.code, message: e.message } });
  }
}

/** One request, no redirect followed. */
async function once(url: URL, init: HttpRequest): Promise<IncomingMessage> {
  const addresses = await addressesFirst(url);
  if (init.signal?.aborted) throw init.signal.reason;
  return new Promise((resolve, reject) => {
    const req = transport(url.protocol)(url, {
      method: init.method,
      headers: init.headers,
      signal: init.signal,
      ...(addresses && addresses.length > 0 ? { lookup: answeredLookup(addresses) } : {}),
    });
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) =>
      // As fetch reports it: the network's code as the cause; an abort as the signal's reason.
      reject(
        init.signal?.aborted
          ? init.signal.reason
          : Object.assign(new TypeError('fetch failed'), { cause: { code: err.code, message: err.message } }),
      ),
    );
    req.end(init.body);
  });
}

export const httpFetch: Fetch = async (url, init) => {
  let at = new URL(url);
  let sent = init;
  for (let hops = 0; ; hops++) {
    const res = await once(at, sent);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) return responseOf(res);
    res.resume();
    if (hops >= MAX_REDIRECTS)
      throw Object.assign(new TypeError('fetch failed'), { cause: { message: 'redirect count exceeded' } });
    ({ url: at, init: sent } = redirected(at, res.statusCode!, location, sent));
  }
};
