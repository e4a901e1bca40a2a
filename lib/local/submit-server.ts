import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { native } from '../host/native.js';
import { nodeNet } from '../kernel/builtin.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { failureOf } from '../kernel/failure.js';
import type { SubcommandContext } from '../kernel/subcommand.js';
import type { BsubArgs } from '../scheduler/lsf/bsub-options.js';
import { scanBsubOptions } from '../scheduler/lsf/bsub-options.js';
import type { AppSpec } from '../scheduler/lsf/esub-protocol.js';
import { type BsubIo, bsubWith, DECLINED } from './bsub.js';
import type { StdinSource } from './bsub-input.js';
import { binDir, type Local } from './context.js';
import { ensurePrivateDir } from './state.js';
import { Conversation } from './submit-conversation.js';
import { parseRequest, type SubmitRequest } from './submit-frames.js';
import { configKey, SOCKET_PATH_MAX, submitSocketPath } from './submit-socket.js';
import { ensureDispatcher } from './wake.js';

/**
 * The dispatcher's side of the compiled bsub (scripts/submit-client.c): a unix socket in the
 * user's 0700 ~/.lsf-docker (0600 itself) on which it runs plain bsubs in its own process, as
 * LSF's mbatchd takes submissions, instead of a Node start per bsub. Only a process of the
 * dispatcher's own user is served (SO_PEERCRED), one bsub at a time, with the client's
 * environment, working directory and stdin (asked for only when bsub reads a script there);
 * what bsub writes goes back to the client's stdout and stderr. bsubs that wait (-K), run on the
 * terminal (-I*), or need an esub that is not this installation's own are declined before
 * anything is done, and so is every bsub once a new install replaced the dispatcher's program:
 * the client then runs the Node bsub, which serves them all.
 */
export interface SubmitServerDeps {
  /** The dispatcher's local LSF: its user and home. */
  local: Local;
  /** The dispatcher's --config and this installation's in-process esubs. */
  ctx: SubcommandContext;
  /** Wakes the dispatcher after a submission (or starts the next one when it has left). */
  wake: () => void;
  /**
   * False once this dispatcher's program was replaced on disk (an upgrade): a bsub is then
   * declined, so that the client's Node bsub of the new install serves it, and the dispatcher is
   * woken to hand over. Default: always current.
   */
  current?: () => boolean;
  /** Where a line about the socket itself goes (default: stderr, the dispatcher's log). */
  log?: (line: string) => void;
}

/** Whether the dispatcher serves a bsub of ARGS with the esubs APPS (else the client runs it). */
export function servable(args: BsubArgs, apps: AppSpec[], inProcess: (app: AppSpec) => boolean): boolean {
  return !args.wait && args.interactive === undefined && !args.tty && apps.every(inProcess);
}

/** Starts serving; returns the closer, or undefined when the socket cannot be had (the clients then run Node). */
export function listenForSubmissions(deps: SubmitServerDeps): (() => void) | undefined {
  const addon = native();
  if (!addon?.peerCred) return undefined;
  const log = deps.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const path = submitSocketPath(deps.local.home, configKey(deps.ctx.config));
  if (Buffer.byteLength(path) > SOCKET_PATH_MAX || !clearStale(path, deps.local.uid)) return undefined;
  let queue = Promise.resolve();
  const server = nodeNet().createServer((socket) => {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    const cred = fd === undefined ? null : addon.peerCred!(fd);
    if (!cred || cred[1] !== deps.local.uid) {
      log(`submit socket: refused a connection of uid ${cred?.[1] ?? 'unknown'} (pid ${cred?.[0] ?? '?'})`);
      socket.destroy();
      return;
    }
    queue = queue.then(() => serveOne(new Conversation(socket), deps)).catch(() => undefined);
  });
  server.on('error', (err) => log(`submit socket: ${err.message}`));
  server.listen(path, () => {
    try {
      chmodSync(path, 0o600);
    } catch {
      // gone already
    }
  });
  const ino = () => {
    try {
      return lstatSync(path).ino;
    } catch {
      return undefined;
    }
  };
  let listened: number | undefined;
  server.on('listening', () => (listened = ino()));
  return () => {
    server.close();
    if (listened !== undefined && ino() === listened) unlinkSync(path);
  };
}

/** Makes room for the socket: its dir ours and 0700, a socket or symlink left there removed. */
function clearStale(path: string, uid: number): boolean {
  try {
    ensurePrivateDir(dirname(path), uid);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st && !st.isSocket() && !st.isSymbolicLink()) return false;
    if (st) unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** One client: its request, stdin when bsub needs it, bsub's output, its status. */
async function serveOne(conn: Conversation, deps: SubmitServerDeps): Promise<void> {
  const first = await conn.next();
  if (first?.type !== 'R') return conn.end();
  const req = parseRequest(first.data);
  if (typeof req === 'string') {
    conn.send('e', `lsf-docker: bsub: ${req}\n`);
    return conn.end(ExitCode.USAGE);
  }
  const stdin = await stdinOf(req, conn);
  if (!stdin) return conn.end(); // gone, or silent, before the end of its stdin: nothing done
  const io: BsubIo = {
    env: req.env,
    cwd: req.cwd,
    stdin,
    out: (text) => conn.send('o', text),
    err: (text) => conn.send('e', text),
    // The config may name another state dir by now: that user dir's own dispatcher then.
    wake: (local, configPath) =>
      local.dirs.user === deps.local.dirs.user
        ? deps.wake()
        : ensureDispatcher(local.dirs, configPath, local.home),
    accept: (args, apps) => {
      if (deps.current && !deps.current()) {
        deps.wake();
        return false;
      }
      const ok = localBackend(deps.ctx.config) && servable(args, apps, ownEsub(deps.ctx));
      if (ok) conn.send('a');
      return ok;
    },
  };
  let status: number | typeof DECLINED;
  try {
    status = await bsubWith(req.argv, deps.ctx, io);
  } catch (err) {
    const failure = failureOf('lsf-docker', err, Boolean(req.env.LSF_DOCKER_TRACE));
    io.err(failure.text);
    status = failure.status;
  }
  conn.end(status === DECLINED ? undefined : status);
}

/** The client's stdin: fetched from it only when bsub will read a job script there. */
async function stdinOf(req: SubmitRequest, conn: Conversation): Promise<StdinSource | undefined> {
  let readsStdin = false;
  try {
    readsStdin = !req.stdinIsTTY && scanBsubOptions(req.argv).rest.length === 0;
  } catch {
    // bsub itself reports the bad option
  }
  if (!readsStdin) return { isTTY: req.stdinIsTTY, read: () => '' };
  conn.send('i');
  const chunks: Buffer[] = [];
  let f = await conn.next();
  for (; f?.type === 'i'; f = await conn.next()) chunks.push(f.data);
  if (f?.type !== 'I') return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  return { isTTY: false, read: () => text };
}

/** Whether bsub goes to the local LSF under the config (a config now naming Slurm: the client's Node bsub). */
function localBackend(configPath: string | undefined): boolean {
  try {
    return loadConfig(configPath, { euid: process.geteuid!() }).config.scheduler.backend === 'local';
  } catch {
    return false; // the Node bsub says what is wrong with it
  }
}

const ownEsub = (ctx: SubcommandContext) => (app: AppSpec) =>
  ctx.esubs?.(join(binDir(), app.name === '' ? 'esub' : `esub.${app.name}`), app.name) !== undefined;
