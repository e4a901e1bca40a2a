/**
 * Run commands as a real unprivileged user, with that user's real supplementary groups and a fully
 * controlled environment.
 *
 *   runAs(TEST_USER, ['docker', 'run', '--rm', IMAGES.busybox, 'id', '-u'])  -> { exitCode: 0, stdout: '4201', ... }
 *
 * The switch is `setpriv --reuid=UID --regid=GID --init-groups --` (util-linux), which execs the
 * program: the spawned pid is the program's pid. User 'root' runs the program directly.
 *
 * Environment: nothing is inherited from the test process. The program sees exactly
 *   PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, HOME=<the user's home>
 * plus opts.env (which may override PATH and HOME). USER, LOGNAME, SHELL, TERM are NOT set unless
 * given in opts.env.
 */
import { execa, type ResultPromise } from 'execa';
import { userInfo } from './users.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunAsOptions {
  /** Variables added to PATH and HOME (and overriding them). Nothing else is inherited. */
  env?: Record<string, string>;
  /** Working directory; default the user's home (the repo may not be readable by the user). */
  cwd?: string;
  /** Text written to stdin, then stdin is closed. Without it stdin is an empty pipe (runAs) or an open pipe (spawnAs). */
  input?: string;
  /** Milliseconds before the program is killed (SIGTERM, then SIGKILL 5 s later); default 60000. 0 = none. */
  timeout?: number;
  /** Keep the final newline of stdout/stderr; default false (execa strips one final newline). */
  keepFinalNewline?: boolean;
}

export interface SpawnAsOptions extends RunAsOptions {
  /** Start the program as the leader of a new process group, so kill() can signal the whole group. */
  detached?: boolean;
}

export interface RunResult {
  /** Exit code, or undefined when the program died of a signal. */
  exitCode: number | undefined;
  /** Signal name (e.g. 'SIGTERM') when the program died of one, else undefined. */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** True when opts.timeout killed it. */
  timedOut: boolean;
  /** The command line, for failure messages. */
  command: string;
}

export interface SpawnedAs {
  /** The execa subprocess: stdin/stdout/stderr streams, kill(). */
  child: ResultPromise;
  /** pid of the program itself (setpriv execs it). */
  pid: number;
  /** Send a signal to the program, or to its whole process group when spawned with detached. */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when it exits; never rejects because of a non-zero exit or a signal. */
  result: Promise<RunResult>;
}

/** The exact environment runAs gives a program. */
export function userEnv(user: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: DEFAULT_PATH, HOME: userInfo(user).home, ...extra };
}

/** argv prefixed with the setpriv call that becomes `user` (nothing for root). */
export function asUserArgv(user: string, argv: readonly string[]): string[] {
  if (user === 'root') return [...argv];
  const u = userInfo(user);
  return ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--', ...argv];
}

function launch(user: string, argv: readonly string[], opts: SpawnAsOptions): ResultPromise {
  if (argv.length === 0) throw new Error('runAs: empty argv');
  const [file, ...args] = asUserArgv(user, argv) as [string, ...string[]];
  return execa(file, args, {
    env: userEnv(user, opts.env),
    extendEnv: false,
    cwd: opts.cwd ?? userInfo(user).home,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    timeout: opts.timeout ?? 60_000,
    forceKillAfterDelay: 5_000,
    reject: false,
    stripFinalNewline: !opts.keepFinalNewline,
    detached: opts.detached ?? false,
    encoding: 'utf8',
  });
}

function toResult(r: {
  exitCode?: number | undefined;
  signal?: string | undefined;
  stdout?: unknown;
  stderr?: unknown;
  timedOut?: boolean;
  command?: string;
}): RunResult {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    timedOut: r.timedOut ?? false,
    command: r.command ?? '',
  };
}

/** Run argv as `user` and wait. Never throws on a non-zero exit, a signal or a timeout. */
export async function runAs(
  user: string,
  argv: readonly string[],
  opts: RunAsOptions = {},
): Promise<RunResult> {
  const r = await launch(user, argv, { ...opts, input: opts.input ?? '' });
  return toResult(r);
}

/**
 * Start argv as `user` without waiting (for signal tests, or to write to stdin as it runs).
 * With detached: true the program leads a new process group and kill() signals the group.
 */
export function spawnAs(user: string, argv: readonly string[], opts: SpawnAsOptions = {}): SpawnedAs {
  const child = launch(user, argv, opts);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`spawnAs: could not start ${argv.join(' ')}`);
  return {
    child,
    pid,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      try {
        process.kill(opts.detached ? -pid : pid, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    result: child.then(toResult, (err: unknown) => toResult(err as Parameters<typeof toResult>[0])),
  };
}

/** A one-line description of a result for assertion messages. */
export function describeResult(r: RunResult): string {
  return `${r.command}\n  exit ${r.exitCode ?? '-'} signal ${r.signal ?? '-'}${r.timedOut ? ' (timed out)' : ''}\n  stdout: ${r.stdout}\n  stderr: ${r.stderr}`;
}
