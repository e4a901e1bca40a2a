import { chmodSync, chownSync, existsSync, lstatSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import { WrapperError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { Identity } from '../identity/identity.js';
import type { Logger } from '../log/logger.js';
import { daemonProblem, dockerReason } from '../runner/classify.js';
import type { DockerCli } from '../runner/docker-cli.js';
import type { LoginRequest } from './login-request.js';
import { readStdinLines, TerminalReader } from './prompt.js';

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

/**
 * `docker login --username USER --password-stdin SERVER`: the password reaches docker only on its
 * stdin. Credentials land in the user's own ~/.docker/config.json, made 0600 (and the directory
 * 0700) afterwards.
 */
export async function dockerLogin(
  cli: DockerCli,
  request: LoginRequest,
  credentials: Credentials,
  identity: Pick<Identity, 'uid' | 'gid' | 'home'>,
  timeout: number,
  log: Logger,
): Promise<string> {
  const result = await cli.call(
    ['login', '--username', credentials.user, '--password-stdin', request.server],
    {
      input: credentials.password,
      timeout,
    },
  );
  const stderr = scrub(result.stderr, credentials.password);
  const daemon = daemonProblem(stderr, result.timedOut, 'login', timeout);
  if (daemon) throw daemon;
  if (result.exitCode !== 0) {
    const reason = dockerReason(stderr);
    const hint = /401|unauthorized|incorrect username or password|denied/i.test(stderr)
      ? 'wrong user name or password'
      : 'the registry could not be reached or refused the login';
    throw loginError(`${credentials.user}@${request.server}: ${hint}: ${reason}`);
  }
  const dir = `${identity.home}/.docker`;
  const file = `${dir}/config.json`;
  protect(dir, 0o700, identity, log);
  protect(file, 0o600, identity, log);
  return file;
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
