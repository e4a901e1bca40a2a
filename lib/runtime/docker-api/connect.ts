/**
 * How the Engine API client reaches the daemon's unix socket: through the addon's descriptor
 * (FdConnection) when it is installed, else through node:net, loaded then. A connection that
 * writes more than the socket's buffer takes at once goes through node:net too: the caller's
 * writes after the answer's head (an interactive job's stdin, half-closed at its end), and a
 * request body over DIRECT_WRITE_MAX (a create with thousands of variables). FdConnection's
 * writes are synchronous, and a daemon that stops reading must not stop the wrapper's timers
 * (the watchdog that declares it hung).
 */
import { native } from '../../host/native.js';
import { nodeNet } from '../../kernel/builtin.js';
import { FdConnection, type SocketCalls } from './fd-connection.js';

/** What the client uses of a connection: net.Socket and FdConnection both are one. */
export interface Connection {
  write(data: string | Buffer): boolean;
  end(): unknown;
  pause(): unknown;
  resume(): unknown;
  unshift(chunk: Buffer): void;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error & { code?: string }) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (err: Error & { code?: string }) => void): unknown;
}

/** The most a request may write through FdConnection: well within a unix socket's send buffer (208 KiB by default). */
export const DIRECT_WRITE_MAX = 64 * 1024;

/**
 * Opens a connection to the unix socket at PATH. STREAMING: the caller writes more than
 * DIRECT_WRITE_MAX, or after the answer, ending its side itself. Throws (err.code) or emits
 * 'error' when the socket cannot be reached.
 */
export type Connector = (path: string, streaming: boolean) => Connection;

/** The addon's socket calls, when the installed addon has them. */
function socketCalls(): SocketCalls | undefined {
  const addon = native();
  return addon?.unixConnect && addon.socketShutdown ? (addon as SocketCalls) : undefined;
}

/** The connector of CALLS (the addon's), falling back to node:net for streaming connections. */
export function connectorOf(calls: SocketCalls | undefined): Connector {
  return (path, streaming) =>
    calls && !streaming
      ? FdConnection.connect(path, calls)
      : nodeNet().connect({ path, allowHalfOpen: true });
}

/** The installed addon's connector (node:net without one). */
export const connectUnix: Connector = (path, streaming) => connectorOf(socketCalls())(path, streaming);
