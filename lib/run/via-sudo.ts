import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import { exitStatus } from '../kernel/signals.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { SNAPSHOT_VARIABLE } from '../policy/rules/environment.js';

const HELP = `Usage: lsf-docker [--config FILE] sudo PROGRAM [ARGS...]

The user-side step of the secure deployment: runs PROGRAM (docker_run, docker_exec or
docker_build, from this installation) through the sudo rule, carrying the job's whole
environment, which sudo's env_reset would drop. The environment goes to a 0600 file of yours
(NAME=value entries separated by NUL bytes) named by ${SNAPSHOT_VARIABLE}; the program,
running as root, reads it as you and takes it as the job's environment (never as a request).
The file is removed when PROGRAM ends. Signals sent to the job reach PROGRAM directly (it is in
the same process group); a terminating one that reaches this step is also passed on to sudo
(it may have come before sudo existed), and PROGRAM takes a repeat as the same delivery. This
step exits with PROGRAM's status.
As an LSF job starter: sudo-starter line \`PREFIX/bin/lsf-docker sudo docker_run\`.`;

/** The programs the sudo rule lets users run with any arguments (scripts/lib/sudo.sh). */
export const SUDO_PROGRAMS = ['docker_run', 'docker_exec', 'docker_build'] as const;

/** Signals the waiting step outlives: they are the program's to handle (it got them too). */
const OUTLIVED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGTSTP',
];

/**
 * Signals that end a job, passed on to sudo. One sent to the job's process group while this step
 * was still writing the snapshot reaches only this step (its handler runs once that synchronous
 * part is over, when sudo has started but never got it): passed on, sudo relays it to PROGRAM.
 * PROGRAM gets every other one from the process group and from sudo's relay as well, and takes a
 * repeat of the same signal within DUPLICATE_MS (lib/job/phases.ts) as the same delivery.
 */
export const PASSED_ON: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/** The job's environment as a snapshot: NAME=value entries, each ended by NUL. Pure. */
export function snapshotText(env: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && name !== SNAPSHOT_VARIABLE && !name.includes('\0'))
    .map(([name, value]) => `${name}=${value!.replace(/\0/g, '')}\0`)
    .join('');
}

/** The installed PROGRAM beside this one: this launcher's bin/ (or ../../bin of a bundle in dist/bundle). */
export function installedProgram(self: string, program: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(self);
  } catch {
    return undefined;
  }
  const here = dirname(real);
  return [join(here, program), join(here, '..', '..', 'bin', program)].find((p) => existsSync(p));
}

/** The sudo argv for PROGRAM at PATH. Pure. */
export function sudoArgv(path: string, config: string | undefined, args: readonly string[]): string[] {
  return ['/usr/bin/sudo', '-n', path, ...(config ? ['--config', config] : []), ...args];
}

/** Writes the snapshot of ENV into a fresh 0700 dir of the user's in /tmp; returns the file. */
export function writeSnapshot(env: NodeJS.ProcessEnv, uid = process.getuid!()): string {
  const dir = mkdtempSync(`/tmp/lsf-docker-env.${uid}.`);
  const file = `${dir}/environ`;
  writeFileSync(file, snapshotText(env), { flag: 'wx', mode: 0o600 });
  return file;
}

export const sudoCommand: Subcommand = async (argv, ctx) => {
  const [program, ...args] = argv;
  if (program === '--help' || program === '-h') {
    process.stdout.write(`${HELP}\n`);
    return Status.OK;
  }
  if (!program || !(SUDO_PROGRAMS as readonly string[]).includes(program))
    throw usageError(`sudo: PROGRAM must be one of ${SUDO_PROGRAMS.join(', ')} (see lsf-docker sudo --help)`);
  const path = installedProgram(process.argv[1] ?? '', program);
  if (!path) throw usageError(`sudo: ${program} is not installed beside lsf-docker`);
  // The signals first: one arriving once the file exists must not end this step before it removes it.
  let child: ChildProcess | undefined;
  const passOn = (signal: NodeJS.Signals) => {
    if (PASSED_ON.includes(signal) && child?.exitCode === null && child.signalCode === null)
      child.kill(signal);
  };
  for (const s of OUTLIVED) process.on(s, passOn);
  const file = writeSnapshot(process.env);
  try {
    const [bin, ...rest] = sudoArgv(path, ctx.config, args) as [string, ...string[]];
    const started = spawn(bin, rest, {
      stdio: 'inherit',
      env: { ...process.env, [SNAPSHOT_VARIABLE]: file },
    });
    child = started;
    return await new Promise<number>((resolve) => {
      started.once('error', () => resolve(Status.NOT_FOUND));
      started.once('close', (code, signal) => resolve(exitStatus(code, signal)));
    });
  } finally {
    for (const s of OUTLIVED) process.off(s, passOn);
    rmSync(dirname(file), { recursive: true, force: true });
  }
};
