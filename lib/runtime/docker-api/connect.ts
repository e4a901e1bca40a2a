/**
 * How the Engine API client reaches the daemon's unix socket: through the addon's descriptor
 * (FdConnection) when it is installed, else through node:net, loaded then. A connection the
 * caller keeps writing into after the answer's head (an interactive job's stdin, half-closed at
 * its end) always goes through node:net.
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

/**
 * Opens a connection to the unix socket at PATH. HALFOPEN: the caller writes after the answer
 * and ends its side itself. Throws (err.code) or emits 'error' when the socket cannot be reached.
 */
export type Connector = (path: string, halfOpen: boolean) => Connection;

/** The addon's socket calls, when the installed addon has them. */
function socketCalls(): SocketCalls | undefined {
  const addon = native();
  return addon?.unixConnect && addon.socketShutdown ? (addon as SocketCalls) : undefined;
}

/** The connector of CALLS (the addon's), falling back to node:net for half-open connections. */
export function connectorOf(calls: SocketCalls | undefined): Connector {
  return (path, halfOpen) =>
    calls && !halfOpen ? FdConnection.connect(path, calls) : nodeNet().connect({ path, allowHalfOpen: true });
}

/** The installed addon's connector (node:net without one). */
export const connectUnix: Connector = (path, halfOpen) => connectorOf(socketCalls())(path, halfOpen);
