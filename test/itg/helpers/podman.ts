/**
 * Podman as the runtime of integration tests: the engines a container-side test runs on, each
 * with its config and its way of starting docker_run, and podman's own view of what is left.
 *
 *   for (const engine of ENGINES) ... await engine.run(['id'], { cwd })   // docker_run under that engine
 *   await podmanContainers(TEST_USER, 'lsf-docker.uid=4201')              // rootless: the user's own store
 *
 * Rootless podman keeps a store per user: only the user sees their containers, so it is asked as
 * the user (XDG_RUNTIME_DIR=/run/user/UID, as lsf-docker gives it). Rootful podman is root's store.
 * The rootful engine runs docker_run as root acting for the user, the way the sudo rule runs it;
 * until the rule is installed by provisioning (issue 16) that is root with SUDO_UID, SUDO_GID and
 * SUDO_USER set, as sudo sets them (lib/host/identity-from-os.ts): switch rootfulRun to `sudo -n`
 * then. Its config must be in /etc/lsf-docker/ (the sudo rule for --config).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { type DockerRunOptions, dockerRun, dockerRunArgv, jobEnv, spawnDockerRun } from './job.js';
import { STATE_DIR } from './paths.js';
import { DEFAULT_PATH, type RunResult, runAs, type SpawnedAs, spawnAs } from './run-as.js';
import { userInfo } from './users.js';
import { writeConfig } from './workspace.js';

export type EngineName = 'docker' | 'rootless podman' | 'rootful podman';

/** How a test reaches docker_run under one engine, and what that engine's store holds. */
export interface Engine {
  name: EngineName;
  /** The admin config of this engine (tmp root: the test file's own). */
  config: string;
  run(user: string, command: string[], opts?: DockerRunOptions): Promise<RunResult>;
  spawn(user: string, command: string[], opts?: DockerRunOptions): SpawnedAs;
  /** Names of the containers of USER carrying LABEL (k=v), running or not, in this engine's store. */
  containers(user: string, label: string): Promise<string[]>;
}

/** `podman ARGS` as USER (rootless: their store) or as root (rootful), never throwing. */
export async function podmanAs(user: string, args: readonly string[], timeout = 60_000): Promise<RunResult> {
  if (user === 'root') {
    const r = await execa('podman', [...args], {
      env: { PATH: DEFAULT_PATH, HOME: '/root' },
      extendEnv: false,
      reject: false,
      timeout,
      encoding: 'utf8',
    });
    return {
      exitCode: r.exitCode,
      signal: r.signal,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      timedOut: r.timedOut ?? false,
      command: r.command ?? '',
    };
  }
  const { uid } = userInfo(user);
  return runAs(user, ['podman', ...args], { env: { XDG_RUNTIME_DIR: `/run/user/${uid}` }, timeout });
}

/** Names of the containers (running or not) of STORE (a user, or root) carrying LABEL. */
export async function podmanContainers(store: string, label: string): Promise<string[]> {
  const r = await podmanAs(store, ['ps', '--all', '--filter', `label=${label}`, '--format', 'json']);
  if (r.exitCode !== 0) throw new Error(`podman ps as ${store}: ${r.stderr}`);
  const list = JSON.parse(r.stdout || '[]') as Array<{ Names?: string[] }>;
  return list.flatMap((c) => c.Names ?? []);
}

/** A fresh 1777 tmp root for one test file, so that "nothing left" is about its own jobs only. */
export function ownTmpRoot(prefix: string): string {
  mkdirSync(STATE_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(STATE_DIR, `${prefix}-`));
  chmodSync(dir, 0o1777);
  return dir;
}

/** Under sudo only configs in /etc/lsf-docker/ are read: a root-owned 0755 dir of this test file there. */
export function sudoConfigDir(): { dir: string; write(name: string, text: string): string; remove(): void } {
  mkdirSync('/etc/lsf-docker', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync('/etc/lsf-docker/itg-podman-');
  chmodSync(dir, 0o755);
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text, { mode: 0o644 });
      chmodSync(file, 0o644);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment sudo gives docker_run for USER (SUDO_* and the job's), besides PATH and HOME=/root. */
function sudoEnv(user: string, opts: DockerRunOptions): Record<string, string> {
  const u = userInfo(user);
  return { ...jobEnv(user, opts), SUDO_UID: String(u.uid), SUDO_GID: String(u.gid), SUDO_USER: u.name };
}

/** docker_run as root for USER, as the sudo rule runs it. */
export function rootfulRun(user: string, command: string[], opts: DockerRunOptions = {}): Promise<RunResult> {
  return runAs('root', dockerRunArgv('root', command, opts), {
    cwd: opts.cwd ?? userInfo(user).home,
    env: sudoEnv(user, opts),
    timeout: opts.timeout ?? 60_000,
    input: opts.input,
  });
}

export function rootfulSpawn(user: string, command: string[], opts: DockerRunOptions = {}): SpawnedAs {
  return spawnAs('root', dockerRunArgv('root', command, opts), {
    cwd: opts.cwd ?? userInfo(user).home,
    env: sudoEnv(user, opts),
    timeout: opts.timeout ?? 120_000,
    detached: true,
  });
}

/** The engines of the container-side tests, each with CONFIG text (without [paths]) added to its own. */
export async function makeEngines(
  tmpRoot: string,
  sudoDir: ReturnType<typeof sudoConfigDir>,
): Promise<Engine[]> {
  const common = `[paths]\ntmp_root = ${tmpRoot}\n[job]\nterminate_interval = 2\n`;
  const rootless = await writeConfig(
    `[docker]\nengine = podman\n[resources]\nunenforceable = warn\n${common}`,
  );
  const rootful = sudoDir.write('rootful.conf', `[docker]\nengine = podman\n${common}`);
  const docker = await writeConfig(common);
  const podmanStore = (user: string, engine: EngineName) => (engine === 'rootful podman' ? 'root' : user);
  // a test's own config (opts.config) wins over the engine's
  const withConfig = (config: string, opts: DockerRunOptions = {}) => ({ config, ...opts });
  const engine = (
    name: EngineName,
    config: string,
    run: Engine['run'],
    spawn: Engine['spawn'],
    containers?: Engine['containers'],
  ): Engine => ({
    name,
    config,
    run: (user, command, opts) => run(user, command, withConfig(config, opts)),
    spawn: (user, command, opts) => spawn(user, command, withConfig(config, opts)),
    containers: containers ?? ((user, label) => podmanContainers(podmanStore(user, name), label)),
  });
  const { containersWithLabel } = await import('./docker.js');
  return [
    // Rootless podman is the user's own (no root daemon): docker_run runs as the user, never through the rule.
    engine(
      'rootless podman',
      rootless,
      (u, c, o) => dockerRun(u, c, { ...o, direct: true }),
      (u, c, o) => spawnDockerRun(u, c, { ...o, direct: true }),
    ),
    engine('rootful podman', rootful, rootfulRun, rootfulSpawn),
    engine('docker', docker, dockerRun, spawnDockerRun, (_user, label) => containersWithLabel(label)),
  ];
}
