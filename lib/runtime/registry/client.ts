import { type Challenge, parseChallenge, tokenUrl } from './challenge.js';
import type { Credentials } from './credentials.js';
import { type Fetch, type HttpRequest, type HttpResponse, httpFetch } from './http-fetch.js';
import type { RegistryTarget } from './target.js';

/** How one registry request ended, in the terms its callers decide on. */
export type HttpOutcome =
  /** The registry answered (any status but an authentication failure); the body is unread. */
  | { kind: 'response'; status: number; headers: HttpResponse['headers']; body: () => Promise<Buffer> }
  /** The registry wants credentials and the user has none for it. */
  | { kind: 'needs-login' }
  /** The registry (or its token service) refused the user's credentials. */
  | { kind: 'refused'; status: number }
  /** No answer: DNS, connection, TLS, timeout, rate limit or a server error. */
  | { kind: 'unreachable'; detail: string };

export type { Fetch } from './http-fetch.js';

export interface ClientOptions {
  credentials: Credentials;
  /** The whole check's deadline (every request and token fetch shares it). */
  signal: AbortSignal;
  userAgent: string;
  fetch?: Fetch;
}

const networkDetail = (err: unknown): string => {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
};

const discard = async (res: HttpResponse) => {
  try {
    await res.body?.cancel();
  } catch {
    // nothing to free
  }
};

/**
 * A client of one repository of the Registry HTTP API v2 with the user's credentials: a request
 * that meets a challenge (Basic, or Bearer with its token service) is authorized once and sent
 * again; the authorization is kept for the next requests. Every request carries the deadline.
 */
export class RegistryClient {
  private authorization: string | undefined;
  private readonly fetch: Fetch;

  constructor(
    readonly target: RegistryTarget,
    private readonly opts: ClientOptions,
  ) {
    this.fetch = opts.fetch ?? httpFetch;
  }

  private get hasCredentials(): boolean {
    return this.opts.credentials.kind === 'basic' || this.opts.credentials.kind === 'identity-token';
  }

  private async send(
    url: string,
    method: string,
    accept: string | undefined,
  ): Promise<HttpResponse | string> {
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent };
    if (accept) headers.Accept = accept;
    if (this.authorization) headers.Authorization = this.authorization;
    try {
      return await this.fetch(url, { method, headers, signal: this.opts.signal, redirect: 'follow' });
    } catch (err) {
      return networkDetail(err);
    }
  }

  /** GET (or HEAD) URL, authorizing once when challenged. */
  async request(url: string, opts: { method?: 'GET' | 'HEAD'; accept?: string } = {}): Promise<HttpOutcome> {
    const method = opts.method ?? 'GET';
    let res = await this.send(url, method, opts.accept);
    if (typeof res === 'string') return { kind: 'unreachable', detail: res };
    if (res.status === 401 && !this.authorization) {
      const challenge = parseChallenge(res.headers.get('www-authenticate'));
      await discard(res);
      const authorized = await this.authorize(challenge);
      if (authorized) return authorized;
      res = await this.send(url, method, opts.accept);
      if (typeof res === 'string') return { kind: 'unreachable', detail: res };
    }
    return this.judge(res);
  }

  private async judge(res: HttpResponse): Promise<HttpOutcome> {
    if (res.status === 401 || res.status === 403) {
      await discard(res);
      return this.hasCredentials ? { kind: 'refused', status: res.status } : { kind: 'needs-login' };
    }
    if (res.status === 429 || res.status >= 500) {
      await discard(res);
      return {
        kind: 'unreachable',
        detail: res.status === 429 ? 'rate limited (HTTP 429)' : `HTTP ${res.status}`,
      };
    }
    const answered = res;
    return {
      kind: 'response',
      status: res.status,
      headers: res.headers,
      body: async () => Buffer.from(await answered.arrayBuffer()),
    };
  }

  /** Sets the authorization a challenge asks for; an outcome when it cannot be met. */
  private async authorize(challenge: Challenge | undefined): Promise<HttpOutcome | undefined> {
    const creds = this.opts.credentials;
    if (challenge?.scheme === 'basic' || challenge === undefined) {
      if (creds.kind !== 'basic') return { kind: 'needs-login' };
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return undefined;
    }
    if (challenge.scheme !== 'bearer')
      return { kind: 'unreachable', detail: `unknown challenge ${challenge.raw}` };
    const token = await this.bearerToken(challenge);
    if (typeof token !== 'string') return token;
    this.authorization = `Bearer ${token}`;
    return undefined;
  }

  private async bearerToken(
    challenge: Extract<Challenge, { scheme: 'bearer' }>,
  ): Promise<string | HttpOutcome> {
    const creds = this.opts.credentials;
    const url = tokenUrl(challenge, this.target.repository);
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent };
    let init: HttpRequest = { method: 'GET', headers, signal: this.opts.signal };
    if (creds.kind === 'basic') {
      headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    } else if (creds.kind === 'identity-token') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.token,
        service: challenge.service ?? '',
        scope: new URL(url).searchParams.get('scope') ?? '',
        client_id: 'lsf-docker',
      });
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init = { method: 'POST', headers, body: form.toString(), signal: this.opts.signal };
    }
    let res: HttpResponse;
    try {
      res = await this.fetch(creds.kind === 'identity-token' ? challenge.realm : url, init);
    } catch (err) {
      return { kind: 'unreachable', detail: `token service: ${networkDetail(err)}` };
    }
    if (res.status === 401 || res.status === 403) {
      await discard(res);
      return this.hasCredentials ? { kind: 'refused', status: res.status } : { kind: 'needs-login' };
    }
    if (res.status !== 200) {
      await discard(res);
      return { kind: 'unreachable', detail: `token service: HTTP ${res.status}` };
    }
    const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    return typeof token === 'string' && /^[\x21-\x7e]+$/.test(token)
      ? token
      : { kind: 'unreachable', detail: 'token service: no token in its answer' };
  }
}
