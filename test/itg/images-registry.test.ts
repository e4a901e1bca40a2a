/**
 * Images and the local registry (issue 14), as the unprivileged test user through the local LSF:
 * a missing tag refused at bsub (97, one line), an unreachable registry accepted with a note,
 * digest pinning (a job submitted before the tag is re-pushed runs the old content; bjobs -l
 * shows the digest), and five concurrent jobs of a missing image causing one pull (counted in
 * the registry's log). Every repository is a throw-away one of this run (lsfd-itg-p14/*-RAND);
 * the provisioned images are only tagged, pushed and left alone.
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat as statOf,
  writeFile,
} from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  docker,
  dockerOk,
  IMAGES,
  makeDockerConfig,
  REGISTRY,
  registryDeleteTag,
  registryFetch,
  removeDockerConfig,
} from './helpers/docker.js';
import { LOCAL_LSF_USER } from './helpers/mode.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { describeResult, type RunResult, runAs } from './helpers/run-as.js';
import { userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig, writeFileAs } from './helpers/workspace.js';

const REGISTRY_LOG = '/var/log/lsf-docker-registry.log';
/** A loopback port nothing listens on (checked in beforeAll). */
const CLOSED = '127.0.0.1:5999';
const RUN = randomBytes(4).toString('hex');
const repo = (name: string) => `lsfd-itg-p14/${name}-${RUN}`;
const user = userInfo(LOCAL_LSF_USER);
const dockerConfigFile = path.join(user.home, '.docker', 'config.json');

let stateDir: string;
let work: string;
let rootDockerConfig: string;
let savedUserConfig: string | undefined;
let hadDockerDir = true;
/** What this file wrote there: restored only if nobody changed it since (other suites use the test user too). */
let ours = '';
const pushed: Array<[string, string]> = [];
const localRefs: string[] = [];

/** The local LSF's base config: its own host dir, job tmpdirs and image state dir, 5 slots. */
const base = () =>
  `[paths]\ntmp_root = /var/lib/lsf-docker-test/tmp-root\njob_tmp_root = ${stateDir}/jobtmp\n[job]\nterminate_interval = 1\n[local]\nstate_dir = ${stateDir}/host\nslots = 5\n`;

async function sticky(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await chown(dir, 0, 0);
  await chmod(dir, 0o1777);
  return dir;
}

/** Pushes local IMAGE as 127.0.0.1:5000/REPO:TAG (as root, its own login); returns the manifest digest. */
async function push(image: string, name: string, tag: string): Promise<string> {
  const ref = `${REGISTRY.address}/${name}:${tag}`;
  await dockerOk(['tag', image, ref]);
  await dockerOk(['push', ref], { env: { DOCKER_CONFIG: rootDockerConfig }, timeout: 300_000 });
  await docker(['rmi', ref]);
  pushed.push([name, tag]);
  const head = await registryFetch(`/v2/${name}/manifests/${tag}`, { method: 'HEAD' });
  const digest = head.headers.get('docker-content-digest');
  if (!digest) throw new Error(`no digest for ${ref}: HTTP ${head.status}`);
  return digest;
}

const lsf = (config: string, args: string[], timeout = 60_000) =>
  runAs(LOCAL_LSF_USER, [program('lsf-docker'), '--config', config, ...args], { cwd: work, timeout });

const jobIdOf = (r: RunResult): number => {
  const m = /Job <(\d+)> is submitted/.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`no job id in:\n${describeResult(r)}`);
  return Number(m[1]);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every element of job ID is DONE or EXIT; returns their STAT column. */
async function waitFinished(config: string, id: number, count = 1, timeoutMs = 180_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  let stats: string[] = [];
  while (Date.now() < end) {
    const r = await lsf(config, ['bjobs', '-a', String(id)]);
    stats = r.stdout
      .split('\n')
      .filter((l) => l.startsWith(`${id} `))
      .map((l) => l.trim().split(/\s+/)[2] ?? '');
    if (stats.length === count && stats.every((s) => s === 'DONE' || s === 'EXIT')) return stats;
    await sleep(300);
  }
  throw new Error(`job ${id} did not finish: ${stats.join(' ')}`);
}

/** What a job wrote after LSF's header in its -o file. */
const outputOf = async (file: string) =>
  (await readFile(path.join(work, file), 'utf8')).split('follows:\n\n')[1] ?? '';

/**
 * The manifest requests (HEAD or GET .../REPO/manifests/) the registry answered 200 to docker (not
 * to our own check, whose user agent is lsf-docker/...), in its access log after offset FROM.
 */
async function dockerManifestRequests(name: string, from: number): Promise<number> {
  const text = (await readFile(REGISTRY_LOG)).subarray(from).toString('utf8');
  const request = new RegExp(`"(HEAD|GET) /v2/${name}/manifests/[^ ]+ HTTP/1\\.1" 200 .*"docker/`);
  return text.split('\n').filter((l) => request.test(l)).length;
}

/**
 * A local image no other has the content of: the busybox test image plus MIB MiB of random
 * bytes in one new layer (committed as root), tagged TAG.
 */
async function uniqueImage(tag: string, mib: number): Promise<string> {
  const dir = await mkdtemp(path.join(STATE_DIR, 'images-blob-'));
  const blob = path.join(dir, 'blob');
  await writeFile(blob, randomBytes(mib * 1024 * 1024));
  const name = `lsfd-itg-p14-src-${randomBytes(4).toString('hex')}`;
  try {
    await dockerOk(['create', '--name', name, IMAGES.busybox, 'true']);
    await dockerOk(['cp', blob, `${name}:/blob`]);
    await dockerOk(['commit', name, tag]);
  } finally {
    await docker(['rm', '-f', name]);
    await rm(dir, { recursive: true, force: true });
  }
  localRefs.push(tag);
  return tag;
}

const logSize = async () => (await statOf(REGISTRY_LOG)).size;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(STATE_DIR, 'images-itg-'));
  await chmod(stateDir, 0o755);
  for (const d of ['host', 'host/ids', 'host/locks', 'jobtmp', 'images'])
    await sticky(path.join(stateDir, d));
  work = await userDir(LOCAL_LSF_USER, 'images');
  const [host, port] = CLOSED.split(':');
  const open = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (open) throw new Error(`${CLOSED} is open: the unreachable-registry test needs a closed port`);
  rootDockerConfig = await makeDockerConfig({ login: true });
  // The test user logs in to the local registry (what docker login or LSB_DOCKER_LOGIN_ONLY=1 writes).
  savedUserConfig = await readFile(dockerConfigFile, 'utf8').catch(() => undefined);
  hadDockerDir = await statOf(path.dirname(dockerConfigFile)).then(
    () => true,
    () => false,
  );
  const config = JSON.parse(savedUserConfig ?? '{}') as { auths?: Record<string, unknown> };
  config.auths = {
    ...config.auths,
    [REGISTRY.address]: { auth: Buffer.from(`${REGISTRY.user}:${REGISTRY.password}`).toString('base64') },
  };
  await mkdir(path.dirname(dockerConfigFile), { recursive: true, mode: 0o700 });
  await chown(path.dirname(dockerConfigFile), user.uid, user.gid);
  ours = JSON.stringify(config);
  await writeFileAs(dockerConfigFile, ours, { user: LOCAL_LSF_USER, mode: 0o600 });
}, 120_000);

afterAll(async () => {
  const now = await readFile(dockerConfigFile, 'utf8').catch(() => undefined);
  if (now === ours) {
    if (savedUserConfig !== undefined)
      await writeFileAs(dockerConfigFile, savedUserConfig, { user: LOCAL_LSF_USER, mode: 0o600 });
    else if (hadDockerDir) await rm(dockerConfigFile, { force: true });
    else await rm(path.dirname(dockerConfigFile), { recursive: true, force: true });
  }
  for (const ref of localRefs) await docker(['rmi', ref]);
  for (const [name, tag] of pushed) await registryDeleteTag(name, tag).catch(() => false);
  await removeDockerConfig(rootDockerConfig);
  await cleanupWorkspace();
  await rm(stateDir, { recursive: true, force: true });
}, 120_000);

describe('the submit-time check', () => {
  let config: string;
  beforeAll(async () => {
    config = await writeConfig(base());
  });

  test('a missing tag is refused at bsub: 97 and one line naming the image and why', async () => {
    const image = `${REGISTRY.busybox.replace(/:latest$/, '')}:no-such-tag-${RUN}`;
    const r = await lsf(config, ['bsub', '-a', `docker(${image})`, 'true']);
    expect(r.exitCode).toBe(97);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      `esub.docker: "${image}": tag no-such-tag-${RUN} does not exist in ${REGISTRY.address}/lsfd/busybox`,
    );
    expect(lines.slice(1)).toEqual(['lsf-docker: Request aborted by esub. Job not submitted.']);
  });

  test('a missing repository is refused too', async () => {
    const r = await lsf(config, ['bsub', '-a', `docker(${REGISTRY.address}/${repo('absent')}:1)`, 'true']);
    expect(r.exitCode).toBe(97);
    expect(r.stderr).toMatch(/repository 127\.0\.0\.1:5000\/lsfd-itg-p14\/absent-\w+ does not exist/);
  });

  test('an existing tag is accepted in silence; an unreachable registry with a note', async () => {
    const ok = await lsf(config, ['bsub', '-a', `docker(${REGISTRY.busybox})`, '-o', 'ok.out', 'echo ok']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toBe('');
    await waitFinished(config, jobIdOf(ok));
    // Nothing listens on CLOSED: accepted with a note, the job decides (here: its pull fails).
    const memory = path.join(user.home, '.cache/lsf-docker/unreachable-registries');
    await rm(memory, { recursive: true, force: true });
    const closed = await writeConfig(`${base()}[docker]\npull_retries = 0\n`);
    const r = await lsf(closed, ['bsub', '-a', `docker(${CLOSED}/lsfd/busybox:latest)`, 'true']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(
      `esub.docker: note: registry ${CLOSED} did not answer (ECONNREFUSED): "${CLOSED}/lsfd/busybox:latest" not checked`,
    );
    expect(await waitFinished(closed, jobIdOf(r))).toEqual(['EXIT']);
    // The user's next check within [images] check_retry_after does not ask again: the same note, at once.
    const again = await lsf(closed, ['bsub', '-a', `docker(${CLOSED}/lsfd/other:1)`, 'true']);
    expect(again.stderr).toMatch(
      new RegExp(
        `^esub\\.docker: note: registry ${CLOSED.replace(/\./g, '\\.')} did not answer \\(no answer \\d+ s ago; asked again after 60 s\\): "${CLOSED.replace(/\./g, '\\.')}/lsfd/other:1" not checked$`,
      ),
    );
    expect(await waitFinished(closed, jobIdOf(again))).toEqual(['EXIT']);
    await rm(memory, { recursive: true, force: true });
  });
});

describe('pin_digest', () => {
  test('a job submitted before the tag is re-pushed runs the old content; bjobs -l shows the digest', async () => {
    const name = repo('pin');
    const old = await push(IMAGES.busybox, name, 'v');
    const image = `${REGISTRY.address}/${name}:v`;
    localRefs.push(`${REGISTRY.address}/${name}@${old}`, image);
    const pinned = await writeConfig(`${base()}[images]\npin_digest = true\n`);
    const plain = await writeConfig(base());
    const command = 'test -e /etc/debian_version && echo debian || echo busybox';
    // The host is closed: both jobs wait (as after a queue wait) while the tag moves.
    expect((await lsf(pinned, ['badmin', 'hclose'])).exitCode).toBe(0);
    const ids: number[] = [];
    try {
      const a = await lsf(pinned, ['bsub', '-a', `docker(${image})`, '-o', 'pinned.out', command]);
      const b = await lsf(plain, ['bsub', '-a', `docker(${image})`, '-o', 'plain.out', command]);
      expect(a.exitCode).toBe(0);
      expect(b.exitCode).toBe(0);
      expect(a.stderr).toBe('');
      ids.push(jobIdOf(a), jobIdOf(b));
      const long = await lsf(pinned, ['bjobs', '-l', String(jobIdOf(a))]);
      expect(long.stdout).toContain(`Container image <${image}>, pinned at digest <${old}>;`);
      const moved = await push(IMAGES.debian, name, 'v');
      expect(moved).not.toBe(old);
    } finally {
      await lsf(pinned, ['badmin', 'hopen']);
    }
    for (const id of ids) expect(await waitFinished(pinned, id)).toEqual(['DONE']);
    expect(await outputOf('pinned.out')).toBe('busybox\n');
    // The control: the same job without pinning runs what the tag names now.
    expect(await outputOf('plain.out')).toBe('debian\n');
  }, 300_000);
});

describe('one pull per host', () => {
  test('five concurrent jobs of a missing image: one pull (the registry log), the others wait for it', async () => {
    // A baseline: how many manifest requests one docker pull of such an image makes.
    const baseName = repo('base');
    await push(await uniqueImage(`${repo('base-src')}:1`, 16), baseName, '1');
    await docker(['rmi', `${repo('base-src')}:1`]);
    let from = await logSize();
    await dockerOk(['pull', `${REGISTRY.address}/${baseName}:1`], {
      env: { DOCKER_CONFIG: rootDockerConfig },
    });
    await docker(['rmi', `${REGISTRY.address}/${baseName}:1`]);
    const perPull = await dockerManifestRequests(baseName, from);
    expect(perPull).toBeGreaterThan(0);

    // The image of the five jobs: its 64 MiB layer is nowhere on this host once pushed.
    const name = repo('once');
    await push(await uniqueImage(`${repo('once-src')}:1`, 64), name, '1');
    await docker(['rmi', `${repo('once-src')}:1`]);
    const image = `${REGISTRY.address}/${name}:1`;
    localRefs.push(image);
    expect((await docker(['image', 'inspect', image])).exitCode).not.toBe(0);
    const config = await writeConfig(
      `${base()}[images]\nstate_dir = ${stateDir}/images\n[log]\nlevel = INFO\n`,
    );
    from = await logSize();
    const r = await lsf(config, [
      'bsub',
      '-a',
      `docker(${image})`,
      '-J',
      'once[1-5]',
      '-o',
      'once.%I',
      'echo ran',
    ]);
    expect(r.exitCode).toBe(0);
    expect(await waitFinished(config, jobIdOf(r), 5)).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'DONE']);
    expect(await dockerManifestRequests(name, from)).toBe(perPull);
    const outputs = await Promise.all([1, 2, 3, 4, 5].map((i) => outputOf(`once.${i}`)));
    for (const out of outputs) expect(out).toMatch(/^ran$/m);
    const pulled = outputs.filter((o) => o.includes(`INFO: pulled ${image} (`));
    expect(pulled).toHaveLength(1);
    expect(pulled[0]).toMatch(new RegExp(`INFO: pulling ${image.replace(/[./]/g, '\\$&')}\\n`));
    const waited = outputs.filter((o) =>
      o.includes(`INFO: waiting for another job on this host to pull ${image}`),
    );
    expect(waited.length).toBeGreaterThan(0);
    for (const o of waited) expect(o).toContain('(pulled by another job): not pulled again');
    // The lock files are root's dir's, 0644, and no job left one held.
    expect((await readdir(`${stateDir}/images`)).some((n) => /^pull\.[0-9a-f]{32}\.lock$/.test(n))).toBe(
      true,
    );
  }, 300_000);
});
