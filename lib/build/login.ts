import { chmodSync, chownSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReadStream } from 'node:tty';
import type { Identity } from '../host/identity.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import { asUser } from './as-user.js';
import type { BuildRuntime } from './build-runtime.js';
import { changedAuths, holdsServer, mergeAuths } from './login-merge.js';
import type { LoginRequest } from './login-request.js';
import { readStdinLines, TerminalReader } from './prompt.js';
import type { RootSession } from './root-session.js';

const loginError = (message: string) => new WrapperError(ExitCode.LOGIN_FAILED, message, 'login');

export interface Credentials {
  user: string;
  password: string;
}

/**
 * The user name and password: the name from LSB_DOCKER_LOGIN_USER or asked on the terminal; the
 * password typed on the terminal without echo, or the first line of stdin when stdin is not a
 * terminal. Without a terminal and without LSB_DOCKER_LOGIN_USER, the name is the user's login name.
 */
export async function readCredentials(
  request: LoginRequest,
  identity: Pick<Identity, 'user'>,
  io: { stdin: NodeJS.ReadableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream },
  log: Logger,
): Promise<Credentials> {
  if (io.stdin.isTTY) {
    const terminal = new TerminalReader(io.stdin as ReadStream, io.stderr);
    const user = request.user ?? (await terminal.readLine(`Username for ${request.server}: `, true)).trim();
    if (user === '') throw loginError('no user name given');
    const password = await terminal.readLine(`Password for ${user}@${request.server}: `, false);
    if (password === '') throw loginError('no password given');
    return { user, password };
  }
  const lines = await readStdinLines(io.stdin);
  const user = request.user ?? identity.user;
  if (!request.user) {
    log.info(`login user ${user} (your login name; set LSB_DOCKER_LOGIN_USER for another)`);
  }
  const password = lines[0] ?? '';
  if (password === '') {
    throw loginError('no password: type it in an interactive job (bsub -Is) or give it on stdin');
  }
  return { user, password };
}

/** Removes every occurrence of the password from a text that is about to be shown. */
export function scrub(text: string, password: string): string {
  return password === '' ? text : text.split(password).join('***');
}

/** Where a login is kept: the user's own file (USERFILE), and, acting as root for the user, the session's private one. */
export interface LoginStore {
  userFile: string;
  session?: RootSession;
}

/**
 * `login --username USER --password-stdin SERVER` (the runtime's argv): the password reaches the
 * CLI only on its stdin. Credentials land in the user's own file (docker ~/.docker/config.json,
 * podman ~/.config/containers/auth.json), made 0600 (and its directory 0700) afterwards. Acting
 * as root for the user (a session), the CLI stores them in the session's private file and the new
 * entry is merged into the user's file by a process running as the user (see storeAsUser).
 */
export async function dockerLogin(
  runtime: BuildRuntime,
  request: LoginRequest,
  credentials: Credentials,
  identity: Pick<Identity, 'uid' | 'gid' | 'groups' | 'home'>,
  timeout: number,
  log: Logger,
  store: LoginStore,
): Promise<string> {
  const privateFile = store.session?.loginFile;
  const before = privateFile ? readFileSync(privateFile, 'utf8') : undefined;
  const result = await runtime.exec.call(runtime.loginArgv(request.server, credentials.user), {
    input: credentials.password,
    timeout,
  });
  const stderr = scrub(result.stderr, credentials.password);
  const daemon = runtime.classify.daemon({ stderr, timedOut: result.timedOut }, 'login', timeout);
  if (daemon) throw daemon;
  if (result.exitCode !== 0) {
    const reason = runtime.classify.reason(stderr);
    const hint = /401|unauthorized|incorrect username or password|invalid username\/password|denied/i.test(
      stderr,
    )
      ? 'wrong user name or password'
      : 'the registry could not be reached or refused the login';
    throw loginError(`${credentials.user}@${request.server}: ${hint}: ${reason}`);
  }
  const file = store.userFile;
  const dir = dirname(file);
  if (privateFile) {
    const after = readFileSync(privateFile, 'utf8');
    await storeAsUser({ before, after, server: request.server }, file, identity.home, identity, log);
    return file;
  }
  protect(dir, 0o700, identity, log);
  protect(file, 0o600, identity, log);
  return file;
}

/** The directories from below HOME down to FILE's own, outermost first (e.g. ~/.config, ~/.config/containers). Pure. */
export function dirsBelow(home: string, file: string): string[] {
  const dirs: string[] = [];
  for (let d = dirname(file); d.startsWith(`${home}/`); d = dirname(d)) dirs.unshift(d);
  return dirs;
}

/**
 * Merges what the login stored in the private file (AFTER, versus BEFORE) into the user's FILE,
 * every step as the user: its directory made (or kept) 0700 (the ones above it made when missing,
 * their mode left alone), the file read without following a symlink, and replaced atomically by a
 * 0600 file with the user's other keys kept.
 */
async function storeAsUser(
  { before, after, server }: { before: string | undefined; after: string; server: string },
  file: string,
  home: string,
  identity: Pick<Identity, 'uid' | 'gid' | 'groups'>,
  log: Logger,
): Promise<void> {
  const entries = changedAuths(before, after);
  if (Object.keys(entries).length === 0) {
    // A login again with the same credentials: the session's file started as a copy of the
    // user's, so what it holds is what the user's file holds already.
    if (holdsServer(after, server)) {
      log.debug(`login: the credentials in ${file} were already these: left as they are`);
      return;
    }
    throw loginError('login succeeded but stored no credentials in its file: nothing to keep');
  }
  const dirs = dirsBelow(home, file);
  for (const [i, dir] of dirs.entries()) {
    const keepMode = i < dirs.length - 1;
    const made = await asUser(identity, { op: 'mkdir', path: dir, mode: 0o700, keepMode });
    if (!made.ok) throw loginError(`${dir} ${made.reason}: credentials not stored`);
  }
  const current = await asUser(identity, { op: 'read', path: file });
  if (!current.ok) throw loginError(`${file} ${current.reason}: credentials not stored`);
  const merged = mergeAuths(current.text, entries);
  if (!merged.ok) throw loginError(`${file} ${merged.reason}: credentials not stored`);
  const written = await asUser(identity, {
    op: 'write',
    path: file,
    mode: 0o600,
    text: merged.text,
    atomic: true,
  });
  if (!written.ok) throw loginError(`${file} ${written.reason}: credentials not stored`);
  log.debug(`login: ${Object.keys(entries).join(', ')} stored in ${file} as uid ${identity.uid}`);
}

/** Keeps a credential path private to the user (and theirs, when we run as root for them). */
function protect(path: string, mode: number, identity: Pick<Identity, 'uid' | 'gid'>, log: Logger): void {
  if (!existsSync(path)) return;
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    log.warning(`${path} is a symlink: its permissions were left alone`);
    return;
  }
  if (process.geteuid?.() === 0 && st.uid !== identity.uid) chownSync(path, identity.uid, identity.gid);
  if ((st.mode & 0o777) !== mode) chmodSync(path, mode);
}
