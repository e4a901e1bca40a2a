/**
 * The deployment mode of the integration tests, in one place: how each test user reaches the
 * programs that need the runtime.
 *
 *   - the secure mode (the default deployment): lsfd-test and lsfd-test2 are outside the docker
 *     group and run docker_run, docker_exec and docker_build through the sudo rule, with the job's
 *     environment carried by the user-side step `lsf-docker sudo PROGRAM` (as an LSF job starter
 *     line does), and `lsf-docker sweep` as `sudo -n lsf-docker sweep`;
 *   - the docker-group mode (no boundary): lsfd-dock is in the docker group and runs them directly;
 *   - root runs them directly.
 *
 *   runAs(TEST_USER, programArgv(TEST_USER, 'docker_exec', ['--config', cfg, '7', 'id']))
 *
 * Under sudo only configs in /etc/lsf-docker/ are read: writeConfig puts them there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { program } from './paths.js';
import type { SpawnedAs } from './run-as.js';
import { DOCKER_GROUP_USER } from './users.js';

/** The programs that need the runtime (and so go through the sudo rule in the secure mode). */
export type RuntimeProgram = 'docker_run' | 'docker_exec' | 'docker_build';

/**
 * The user the local LSF's tests run as. The local LSF starts the job starters as the user
 * (`[local] starter = direct`), so they need the docker group: lsfd-dock. When `[local] starter =
 * sudo` (issue 12) is in this build, set this to TEST_USER and give the configs `starter = sudo`.
 */
export const LOCAL_LSF_USER = DOCKER_GROUP_USER;

/** Whether USER reaches the runtime through the sudo rule (everyone but root and the docker-group user). */
export const throughSudo = (user: string) => user !== 'root' && user !== DOCKER_GROUP_USER;

/** The argv that runs NAME with ARGS as USER in this user's mode. */
export function programArgv(user: string, name: RuntimeProgram, args: readonly string[]): string[] {
  if (!throughSudo(user)) return [program(name), ...args];
  return [program('lsf-docker'), 'sudo', name, ...args];
}

/** `lsf-docker [--config FILE] sweep ARGS` as USER: through the rule (`sudo -n`) in the secure mode. */
export function sweepArgv(user: string, config: string | undefined, args: readonly string[] = []): string[] {
  const argv = [program('lsf-docker'), ...(config ? ['--config', config] : []), 'sweep', ...args];
  return throughSudo(user) ? ['sudo', '-n', ...argv] : argv;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function runsDockerRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .some((w) => /docker_run(\.[cm]?js)?$/.test(w));
  } catch {
    return false;
  }
}

/**
 * The pid of the docker_run process (the wrapper whose pid labels the container) that S
 * started: S itself when run directly; through the sudo rule, the program sudo started as root.
 */
export async function wrapperPid(user: string, s: SpawnedAs, timeoutMs = 20_000): Promise<number> {
  // Direct: S is docker_run. Through the rule: S is the user-side step, its child sudo, and sudo's child the program.
  const want = throughSudo(user) ? 2 : 0;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const depth = (pid: number): number | undefined => {
      for (let p: number | undefined = pid, d = 0; p && p > 1 && d < 12; d++) {
        if (p === s.pid) return d;
        p = parentOf(p);
      }
      return undefined;
    };
    const found = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .map((pid) => ({ pid, d: depth(pid) }))
      .filter((x): x is { pid: number; d: number } => x.d === want && runsDockerRun(x.pid));
    if (found[0]) return found[0].pid;
    if (Date.now() > end) throw new Error(`no docker_run below pid ${s.pid} after ${timeoutMs} ms`);
    await sleep(50);
  }
}
