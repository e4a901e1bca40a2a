/**
 * The secure deployment, for the attack tests (test/itg/attacks/*): the installed programs run
 * through the sudo rule (scripts/lib/sudo.sh) as an unprivileged user, the way an LSF job starter
 * line `sudo -n PREFIX/bin/docker_run` runs them.
 *
 *   beforeAll(prepareAttacks);                       // sudo rule for INSTALL_PREFIX, dirs
 *   const config = await attackConfig('[volumes]\nallow[] = /x\n');   // in /etc/lsf-docker/
 *   const r = await sudoRun(TEST_USER, 'docker_run', ['cat /data/x'], { cwd, env });
 *   afterAll(cleanupAttacks);
 *
 * Under sudo only files in /etc/lsf-docker/ are read as --config, so the configs live in
 * /etc/lsf-docker/itg-attacks/. The private dirs go to roots.tmp and the job tmpdirs to
 * roots.jobTmp, apart from the other test files' (whose checks count private dirs).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker, IMAGES, REGISTRY, registryFetch } from './docker.js';
import { INSTALL_PREFIX, type ProgramName, program, REPO, STATE_DIR } from './paths.js';
import { DEFAULT_PATH, type RunResult, runAs, type SpawnedAs, spawnAs } from './run-as.js';
import { userInfo } from './users.js';

/** Root-owned 0755: everything the attack tests make as root. */
export const ATTACK_ROOT = path.join(STATE_DIR, 'attacks');
/**
 * [paths] tmp_root and job_tmp_root of this test file's attack configs (root 1777, like /tmp):
 * one pair per test file (jest gives each its own module registry), made by prepareAttacks.
 */
export const roots = { tmp: '', jobTmp: '' };
/** An allowed volume root of the attack configs (root 0755). */
export const ATTACK_ALLOWED = path.join(ATTACK_ROOT, 'allowed');
/** Where the attack configs go: the only place lsf-docker reads a --config from under sudo. */
export const ATTACK_CONFIG_ROOT = '/etc/lsf-docker/itg-attacks';

const created: string[] = [];

/** The test-only sudo rule file for INSTALL_PREFIX (e.g. /etc/sudoers.d/lsf-docker-itg-attacks). */
export function sudoRuleFile(prefix = INSTALL_PREFIX): string {
  return `/etc/sudoers.d/${path.basename(prefix).replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function rootDir(dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true });
  chownSync(dir, 0, 0);
  chmodSync(dir, mode);
}

/**
 * The sudo rule for the installed prefix (written by the same function as install.sh
 * --sudo-rule), and the root-owned dirs. Idempotent; use as beforeAll.
 */
export async function prepareAttacks(): Promise<void> {
  execFileSync(
    'bash',
    [
      '-c',
      'source "$1" && write_sudo_rule "$2" "$3"',
      'sudo-rule',
      path.join(REPO, 'scripts', 'lib', 'sudo.sh'),
      INSTALL_PREFIX,
      sudoRuleFile(),
    ],
    { env: { PATH: DEFAULT_PATH }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  rootDir(STATE_DIR, 0o755);
  rootDir(ATTACK_ROOT, 0o755);
  rootDir(ATTACK_ALLOWED, 0o755);
  rootDir('/etc/lsf-docker', 0o755);
  rootDir(ATTACK_CONFIG_ROOT, 0o755);
  if (!roots.tmp) roots.tmp = await rootScratch('tmp-root', 0o1777);
  if (!roots.jobTmp) roots.jobTmp = await rootScratch('jobtmp', 0o1777);
}

/** A random word to plant and look for. */
export function token(label: string): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

/** A fresh root-owned dir under DIR (mode MODE), removed by cleanupAttacks. */
export async function rootScratch(prefix: string, mode = 0o755, dir = ATTACK_ROOT): Promise<string> {
  const made = await mkdtemp(path.join(dir, `${prefix}-`));
  created.push(made);
  chownSync(made, 0, 0);
  chmodSync(made, mode);
  return made;
}

/**
 * An attack config in /etc/lsf-docker/itg-attacks/conf-XXXXXX/lsf-docker.conf (root 0644 in
 * root 0755 dirs), with [paths] tmp_root and job_tmp_root set to the attack dirs unless TEXT
 * has a [paths] section of its own.
 */
export async function attackConfig(text = ''): Promise<string> {
  const dir = await rootScratch('conf', 0o755, ATTACK_CONFIG_ROOT);
  const paths = /\[paths\]/.test(text)
    ? ''
    : `[paths]\ntmp_root = ${roots.tmp}\njob_tmp_root = ${roots.jobTmp}\n`;
  const file = path.join(dir, 'lsf-docker.conf');
  await writeFile(file, `${paths}${text}`, { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
}

/** A file only root may read, in a dir only root may enter. Returns its path. */
export async function secretFile(text: string): Promise<string> {
  const dir = await rootScratch('secret', 0o700);
  const file = path.join(dir, 'secret');
  await writeFile(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/**
 * A directory whose files anyone may read but which nobody but root can reach: DIR/inner (0755)
 * inside a 0700 dir, holding `marker` (TOKEN) and `job.sh` (echo TOKEN), both 0644. A container
 * that shows TOKEN got a mount of it, which the user could never have asked for.
 */
export async function hiddenDir(secret: string): Promise<{ inner: string; marker: string; script: string }> {
  const outer = await rootScratch('hidden', 0o700);
  const inner = path.join(outer, 'inner');
  rootDir(inner, 0o755);
  const marker = path.join(inner, 'marker');
  const script = path.join(inner, 'job.sh');
  await writeFile(marker, `${secret}\n`, { mode: 0o644 });
  await writeFile(script, `echo ${secret}\n`, { mode: 0o644 });
  chmodSync(marker, 0o644);
  chmodSync(script, 0o644);
  return { inner, marker, script };
}

/** A program for an attacker to run (node FILE as the user): root-owned 0644, readable by all. */
export async function attackerScript(name: string, code: string): Promise<string> {
  const dir = await rootScratch('bin', 0o755);
  const file = path.join(dir, name);
  await writeFile(file, code, { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
}

export interface SudoOptions {
  cwd: string;
  env?: Record<string, string>;
  /** docker_run's image (LSB_CONTAINER_IMAGE); busybox unless given. */
  image?: string;
  timeout?: number;
  input?: string;
}

/** `sudo -n PREFIX/bin/NAME ARGS...`: how an LSF job starter line runs a program in the secure mode. */
export function sudoArgv(name: ProgramName, args: readonly string[]): string[] {
  return ['sudo', '-n', program(name), ...args];
}

function sudoEnv(name: ProgramName, opts: SudoOptions): Record<string, string> {
  return {
    LS_SUBCWD: opts.cwd,
    ...(name === 'docker_run' ? { LSB_CONTAINER_IMAGE: opts.image ?? IMAGES.busybox } : {}),
    ...opts.env,
  };
}

/** Runs a program through the sudo rule as USER and waits. Never throws on a failure. */
export function sudoRun(
  user: string,
  name: ProgramName,
  args: readonly string[],
  opts: SudoOptions,
): Promise<RunResult> {
  return runAs(user, sudoArgv(name, args), {
    cwd: opts.cwd,
    env: sudoEnv(name, opts),
    timeout: opts.timeout ?? 60_000,
    input: opts.input,
  });
}

/** Starts a program through the sudo rule as USER, leading its own process group (as LSF does). */
export function spawnSudo(
  user: string,
  name: ProgramName,
  args: readonly string[],
  opts: SudoOptions,
): SpawnedAs {
  return spawnAs(user, sudoArgv(name, args), {
    cwd: opts.cwd,
    env: sudoEnv(name, opts),
    timeout: opts.timeout ?? 120_000,
    detached: true,
  });
}

/** Pids whose parent is PID (from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Polls FN every 100 ms until it returns something other than undefined; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Running containers labelled lsf-docker.job=JOB (ids), whoever made them. */
export async function containersOfJob(job: number | string): Promise<string[]> {
  const r = await docker(['ps', '-q', '--no-trunc', '--filter', `label=lsf-docker.job=${job}`]);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** The running container docker_run started from this file's tmp root for user UID and job JOB. */
export async function jobContainer(uid: number, job: number | string): Promise<string | undefined> {
  const r = await docker([
    'ps',
    '--no-trunc',
    '--filter',
    `label=lsf-docker.uid=${uid}`,
    '--filter',
    `label=lsf-docker.job=${job}`,
    '--format',
    '{{.ID}}\t{{.Label "lsf-docker.dir"}}',
  ]);
  return r.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .find(([, dir]) => dir?.startsWith(`${roots.tmp}/`))?.[0];
}

/** Force-removes the containers docker_run started from this file's tmp root (any user). */
export async function removeAttackContainers(): Promise<void> {
  const r = await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}}\t{{.Label "lsf-docker.dir"}}']);
  const ids = r.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([, dir]) => roots.tmp !== '' && dir?.startsWith(`${roots.tmp}/`))
    .map(([id]) => id ?? '');
  if (ids.length > 0) await docker(['rm', '-f', ...ids]);
}

/** Private dirs (lsf-docker.<uid>.*) of UID left in this file's tmp root. */
export function attackPrivateDirs(uid: number): string[] {
  try {
    return readdirSync(roots.tmp).filter((n) => n.startsWith(`lsf-docker.${uid}.`));
  } catch {
    return [];
  }
}

/** Every entry below DIR (not following links) owned by uid 0, DIR itself excluded. */
export function rootOwnedBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      try {
        const st = lstatSync(p);
        if (st.uid === 0) out.push(p);
        if (st.isDirectory()) walk(p);
      } catch {
        // gone meanwhile
      }
    }
  };
  walk(dir);
  return out;
}

/** chown PATH (not following a link) to USER's uid and primary gid. */
export function giveTo(user: string, ...paths: string[]): void {
  const u = userInfo(user);
  for (const p of paths) execFileSync('chown', ['-h', `${u.uid}:${u.gid}`, p]);
}

/** The output lines of a result that are not empty. */
export const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** Removes everything the attack helpers made in this test file (configs, secrets, scripts). */
export async function cleanupAttacks(): Promise<void> {
  await removeAttackContainers();
  roots.tmp = '';
  roots.jobTmp = '';
  const dirs = created.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Removes the images a docker_build run printed as built (classic builder: "Successfully built ID"). */
export async function removeBuiltImages(output: string): Promise<void> {
  const ids = [...output.matchAll(/^Successfully built ([0-9a-f]{12,64})$/gm)].map((m) => m[1]!);
  if (ids.length > 0) await docker(['rmi', '-f', ...ids]);
}

/**
 * What anyone with a registry login can do without docker: push, as REPO:TAG, a copy of
 * REPO:FROM_TAG whose image config carries LABELS (any text, newlines included: a Dockerfile
 * LABEL cannot hold one). Returns the image reference.
 */
export async function pushLabelledImage(
  repo: string,
  fromTag: string,
  tag: string,
  labels: Record<string, string>,
): Promise<string> {
  const schema2 = 'application/vnd.docker.distribution.manifest.v2+json';
  const got = await registryFetch(`/v2/${repo}/manifests/${fromTag}`, { headers: { Accept: schema2 } });
  if (got.headers.get('content-type') !== schema2)
    throw new Error(`${repo}:${fromTag} is not a schema 2 manifest (${got.headers.get('content-type')})`);
  const manifest = (await got.json()) as { config: { digest: string; size: number } };
  const config = (await (await registryFetch(`/v2/${repo}/blobs/${manifest.config.digest}`)).json()) as {
    config?: { Labels?: Record<string, string> | null };
  };
  config.config = { ...config.config, Labels: { ...(config.config?.Labels ?? {}), ...labels } };
  const body = Buffer.from(JSON.stringify(config));
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const upload = await registryFetch(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(upload.headers.get('location') ?? '', REGISTRY.url);
  location.searchParams.set('digest', digest);
  const put = await registryFetch(`${location.pathname}${location.search}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`registry: config upload failed: HTTP ${put.status}`);
  manifest.config = { ...manifest.config, digest, size: body.length };
  const pushed = await registryFetch(`/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: JSON.stringify(manifest),
    headers: { 'Content-Type': schema2 },
  });
  if (pushed.status !== 201) throw new Error(`registry: manifest push failed: HTTP ${pushed.status}`);
  return `${REGISTRY.address}/${repo}:${tag}`;
}
