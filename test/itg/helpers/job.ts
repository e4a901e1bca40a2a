/**
 * Running the installed docker_run as a test user, the way LSF's job starter would: in the
 * user's deployment mode (helpers/mode.ts: the secure users through the sudo rule with
 * `lsf-docker sudo docker_run`, the docker-group user and root directly).
 *
 *   const r = await dockerRun(TEST_USER, ['id -u'], { cwd: dir, env: { LSB_JOBID: '42' }, config });
 *
 * The job environment is exactly: PATH, HOME, LS_SUBCWD=cwd, LSB_CONTAINER_IMAGE (busybox unless
 * given) and opts.env. The private dirs go to ITG_TMP_ROOT (a root-owned sticky dir) unless the
 * config says otherwise, so that tests can prove nothing is left behind.
 */
import { chmodSync, chownSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { IMAGES } from './docker.js';
import { programArgv } from './mode.js';
import { INSTALL_PREFIX, program } from './paths.js';
import { type RunResult, runAs, type SpawnedAs, spawnAs } from './run-as.js';
import { userInfo } from './users.js';
import { writeConfig } from './workspace.js';

/**
 * The wrapper's tmp root in integration tests (1777, root-owned): one per test prefix, so that
 * suites of several branches running at once on one host count only their own private dirs.
 */
export const ITG_TMP_ROOT =
  INSTALL_PREFIX === '/opt/lsf-docker-itg'
    ? '/var/lib/lsf-docker-test/tmp-root'
    : `/var/lib/lsf-docker-test/tmp-root-${path.basename(INSTALL_PREFIX).replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function ensureTmpRoot(): void {
  mkdirSync(ITG_TMP_ROOT, { recursive: true });
  chownSync(ITG_TMP_ROOT, 0, 0);
  chmodSync(ITG_TMP_ROOT, 0o1777);
}

/** Private dirs (lsf-docker.<uid>.*) of a user under the tmp root (or every user's). */
export function privateDirs(uid?: number, root = ITG_TMP_ROOT): string[] {
  try {
    return readdirSync(root).filter((n) => {
      const owner = /^lsf-docker\.(\d+)\.[A-Za-z0-9]{6}$/.exec(n)?.[1];
      return owner !== undefined && (uid === undefined || Number(owner) === uid);
    });
  } catch {
    return [];
  }
}

/** A config file whose [paths] tmp_root is the integration tmp root, plus TEXT (more sections). */
export async function itgConfig(text = ''): Promise<string> {
  ensureTmpRoot();
  const paths = /\[paths\]/.test(text) ? '' : `[paths]\ntmp_root = ${ITG_TMP_ROOT}\n`;
  return writeConfig(`${paths}${text}`);
}

export interface DockerRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  config?: string;
  image?: string;
  /** Extra docker_run options before the command (e.g. --dry-run). */
  args?: string[];
  timeout?: number;
  input?: string;
  /**
   * Run docker_run as the user even in the secure mode: for an engine that is its own boundary
   * (rootless podman: the user's own podman, no root daemon), never through the sudo rule.
   */
  direct?: boolean;
}

export function dockerRunArgv(user: string, command: string[], opts: DockerRunOptions): string[] {
  const args = [...(opts.config ? ['--config', opts.config] : []), ...(opts.args ?? []), ...command];
  return opts.direct ? [program('docker_run'), ...args] : programArgv(user, 'docker_run', args);
}

export function jobEnv(user: string, opts: DockerRunOptions): Record<string, string> {
  const cwd = opts.cwd ?? userInfo(user).home;
  return { LS_SUBCWD: cwd, LSB_CONTAINER_IMAGE: opts.image ?? IMAGES.busybox, ...opts.env };
}

export function dockerRun(user: string, command: string[], opts: DockerRunOptions = {}): Promise<RunResult> {
  return runAs(user, dockerRunArgv(user, command, opts), {
    cwd: opts.cwd ?? userInfo(user).home,
    env: jobEnv(user, opts),
    timeout: opts.timeout ?? 60_000,
    input: opts.input,
  });
}

/** Starts docker_run as the leader of its own process group (as LSF starts a job), for signal tests. */
export function spawnDockerRun(user: string, command: string[], opts: DockerRunOptions = {}): SpawnedAs {
  return spawnAs(user, dockerRunArgv(user, command, opts), {
    cwd: opts.cwd ?? userInfo(user).home,
    env: jobEnv(user, opts),
    timeout: opts.timeout ?? 120_000,
    detached: true,
  });
}

/**
 * Containers of UID started with the integration tmp root (label lsf-docker.dir under it), i.e.
 * by tests of this suite through itgConfig: other programs' containers of the same user are ignored.
 */
export async function leftoverContainers(uid: number): Promise<string[]> {
  const { docker } = await import('./docker.js');
  const r = await docker([
    'ps',
    '--all',
    '--filter',
    `label=lsf-docker.uid=${uid}`,
    '--format',
    '{{.Names}}\t{{.Label "lsf-docker.dir"}}',
  ]);
  return r.stdout
    .split('\n')
    .filter((line) => line.split('\t')[1]?.startsWith(`${ITG_TMP_ROOT}/`))
    .map((line) => line.split('\t')[0] ?? '');
}

/**
 * What an attack through the image's own symlinks (its /home into a volume) is judged by, from
 * outside: what appeared in the volume (MADE), whether the job's `echo JOB-RAN` ran, its status,
 * how many lines it said and whether the mount check named the image's symlinks. A stopped
 * attack is SYMLINK_ATTACK_STOPPED.
 */
export const symlinkAttackOutcome = (r: RunResult, made: string[]) => ({
  made,
  ran: r.stdout.includes('JOB-RAN'),
  status: r.exitCode,
  lines: r.stderr.trim().split('\n').length,
  named: /through the image's own symlinks/.test(r.stderr),
});

export const SYMLINK_ATTACK_STOPPED = { made: [], ran: false, status: 213, lines: 1, named: true };
