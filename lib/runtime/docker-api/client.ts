/**
 * The Engine API client: versioned paths, JSON in and out, the daemon's errors as values, a
 * timeout on every short call. Speaks API 1.41 (docker 20.10) and moves to what the daemon
 * says it supports when it refuses that version (newer daemons raise their minimum).
 */
import type { Logger } from '../../kernel/log/logger.js';
import type { Connector } from './connect.js';
import { ConnectionError, type HttpExchange, type HttpRequest, openExchange } from './http.js';

/** The API version asked for first: docker 20.10's, accepted by every daemon up to 28. */
export const FIRST_API_VERSION = '1.41';

/** What the daemon answered to one short call. */
export interface ApiAnswer {
  status: number;
  /** The body as text (JSON for most calls). */
  text: string;
}

/** The daemon answered with an error status: its message, as the docker CLI would print it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The daemon did not answer a short call within the timeout (seconds). */
export class ApiTimeout extends Error {
  constructor(
    readonly what: string,
    readonly seconds: number,
  ) {
    super(`${what} did not answer within ${seconds}s`);
  }
}

export { ConnectionError } from './http.js';

/** The daemon's message in an error body: {"message": "..."} or plain text. Pure. */
export function errorMessage(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.trim();
  } catch {
    // not JSON
  }
  return text.trim() || `HTTP ${status}`;
}

/** The version the daemon asks for when it refuses ours ("... Minimum supported API version is 1.44 ..."). Pure. */
export function versionAsked(status: number, message: string): string | undefined {
  if (status !== 400) return undefined;
  return /(?:Minimum|Maximum) supported API version is (\d+\.\d+)/i.exec(message)?.[1];
}

export interface EngineClientOptions {
  socketPath: string;
  /** Seconds a short call may take ([docker] timeout). */
  timeout: number;
  log: Logger;
  /** How connections are made (connect.ts: the addon's descriptor, or node:net). */
  connect?: Connector;
}

/** One daemon, through its unix socket. Every call is logged at DEBUG (method and path). */
export class EngineClient {
  private version = FIRST_API_VERSION;

  constructor(readonly options: EngineClientOptions) {}

  get socketPath(): string {
    return this.options.socketPath;
  }

  /**
   * Opens a request and resolves at the response head (a long call: attach, wait): the caller
   * reads the body or the hijacked stream. A refused API version is retried once with the one
   * the daemon names. Rejects with a ConnectionError only.
   */
  async open(req: HttpRequest, signal?: AbortSignal): Promise<HttpExchange> {
    const path = `/v${this.version}${req.path}`;
    this.options.log.debug(`api: ${req.method} ${path}`);
    const exchange = await openExchange(
      this.options.socketPath,
      { ...req, path },
      signal,
      this.options.connect,
    );
    if (exchange.status !== 400) return exchange;
    const text = (await exchange.body).toString('utf8');
    const asked = versionAsked(exchange.status, errorMessage(text, 400));
    if (asked === undefined || asked === this.version) {
      return { ...exchange, body: Promise.resolve(Buffer.from(text)) };
    }
    this.version = asked;
    return this.open(req, signal);
  }

  /**
   * A short call: the whole answer within TIMEOUT seconds ([docker] timeout unless given).
   * Rejects with ApiTimeout or ConnectionError; an error status is an answer, not a rejection.
   */
  async call(req: HttpRequest, timeout = this.options.timeout): Promise<ApiAnswer> {
    const cancel = new AbortController();
    const timer = setTimeout(() => cancel.abort(), timeout * 1000);
    try {
      const exchange = await this.open(req, cancel.signal);
      const result = { status: exchange.status, text: (await exchange.body).toString('utf8') };
      this.options.log.debug(`api: ${result.status} ${req.method} ${req.path.split('?')[0]}`);
      return result;
    } catch (err) {
      if (cancel.signal.aborted)
        throw new ApiTimeout(`docker ${req.method} ${req.path.split('?')[0]}`, timeout);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A short call whose success is STATUS (or any 2xx): the parsed JSON, else an ApiError. */
  async json<T>(req: HttpRequest, timeout?: number): Promise<T> {
    const answer = await this.call(req, timeout);
    if (answer.status < 200 || answer.status > 299) {
      throw new ApiError(answer.status, errorMessage(answer.text, answer.status));
    }
    return (answer.text.trim() === '' ? {} : JSON.parse(answer.text)) as T;
  }
}

/** Whether ERR says the daemon could not be reached at all (as opposed to an answer). */
export function unreachable(err: unknown): err is ConnectionError {
  return err instanceof ConnectionError;
}
