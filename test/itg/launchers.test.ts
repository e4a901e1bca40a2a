/**
 * The installed launchers (scripts/lib/launchers.sh, written by scripts/install.sh), of both
 * kinds (compiled: the #! interpreter lsfd-launch built from scripts/launcher.c; shell: dash or
 * /bin/sh, LSFD_LAUNCHER=shell): they run the Node found at install time whatever the job's PATH
 * says, and Node starts without any NODE_* variable of the job's environment (NODE_OPTIONS cannot
 * make it load a file), while the job itself still gets those variables. Each kind is installed
 * into its own temporary prefix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { REPO } from './helpers/paths.js';
import { DEFAULT_PATH, runAs, spawnAs } from './helpers/run-as.js';
import { DOCKER_GROUP_USER, TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from './helpers/workspace.js';

jest.setTimeout(120_000);

const VERSION = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const user = userInfo(TEST_USER);
const docker = userInfo(DOCKER_GROUP_USER);
const KINDS = ['compiled', 'shell'] as const;
type Kind = (typeof KINDS)[number];
const prefixes = {} as Record<Kind, string>;
let work: string;
let hostile: Record<string, string>;

beforeAll(async () => {
  for (const kind of KINDS) {
    const prefix = await mkdtemp(`/tmp/lsfd-itg-launchers-${kind}-`);
    await chmod(prefix, 0o755);
    execFileSync('bash', [path.join(REPO, 'scripts/install.sh'), prefix, '--link', `${prefix}/links`], {
      stdio: 'pipe',
      env: { ...process.env, LSFD_LAUNCHER: kind === 'shell' ? 'shell' : '' },
    });
    prefixes[kind] = prefix;
  }
  // What a job's environment could carry: another `node` first on PATH, and NODE_* variables.
  work = await userDir(TEST_USER, 'launchers');
  await writeFileAs(path.join(work, 'node'), `#!/bin/sh\ntouch ${work}/fake-node-ran\nexit 99\n`, {
    user: TEST_USER,
    mode: 0o755,
  });
  await writeFile(path.join(work, 'evil.cjs'), `require('fs').writeFileSync('${work}/evil-loaded', '');\n`);
  await chmod(path.join(work, 'evil.cjs'), 0o644);
  hostile = {
    PATH: `${work}:${DEFAULT_PATH}`,
    NODE_OPTIONS: `--require ${work}/evil.cjs`,
    NODE_EXTRA_CA_CERTS: `${work}/no-such-ca.pem`,
    NODE_DEBUG: 'child_process,module',
  };
});

afterAll(async () => {
  for (const prefix of Object.values(prefixes)) await rm(prefix, { recursive: true, force: true });
  await cleanupWorkspace();
});

const noMarkers = () => {
  expect(existsSync(path.join(work, 'fake-node-ran'))).toBe(false);
  expect(existsSync(path.join(work, 'evil-loaded'))).toBe(false);
};

describe.each(KINDS)('an installed launcher (%s)', (kind) => {
  let prefix: string;
  beforeAll(() => {
    prefix = prefixes[kind];
  });

  test('the hostile environment would change a plain `node` (the test is live)', async () => {
    const r = await runAs(TEST_USER, ['/usr/bin/env', 'node', '-e', ''], { env: hostile });
    expect(r.exitCode).toBe(99);
    const direct = await runAs(TEST_USER, ['/usr/bin/node', '-e', ''], { env: hostile });
    expect(direct.stderr).toMatch(/extra certs/);
    expect(existsSync(path.join(work, 'evil-loaded'))).toBe(true);
    await rm(path.join(work, 'fake-node-ran'), { force: true });
    await rm(path.join(work, 'evil-loaded'), { force: true });
  });

  test.each(['bin/docker_run', 'links/docker_run', 'bin/lsf-docker', 'bin/esub.docker'])(
    '%s runs the install-time node, which loads nothing from NODE_OPTIONS',
    async (launcher) => {
      const r = await runAs(TEST_USER, [path.join(prefix, launcher), '--version'], { env: hostile });
      expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({
        exitCode: 0,
        stdout: VERSION,
        stderr: '',
      });
      noMarkers();
    },
  );

  test('names the interpreter by absolute path and is also runnable by Node itself', async () => {
    const text = readFileSync(path.join(prefix, 'bin/docker_run'), 'utf8');
    if (kind === 'compiled') {
      expect(text.split('\n')[0]).toBe(`#!${prefix}/dist/bundle/lsfd-launch docker_run.cjs`);
      expect(readFileSync(`${prefix}/dist/bundle/lsfd-launch`).includes(process.execPath)).toBe(true);
    } else {
      expect(text.split('\n')[0]).toMatch(/^#!(\/bin\/dash|\/usr\/bin\/dash|\/bin\/sh)$/);
      expect(text).toContain(`exec '${process.execPath}' '${prefix}/dist/bundle/start.cjs'`);
      expect(existsSync(`${prefix}/dist/bundle/lsfd-launch`)).toBe(false);
    }
    // lsf-docker re-runs itself as `process.execPath process.argv[1]`.
    const r = await runAs(TEST_USER, [process.execPath, path.join(prefix, 'bin/lsf-docker'), '--version']);
    expect(r.stdout).toBe(VERSION);
  });

  test('the job still gets its NODE_* variables, and the launcher leaves no trace', async () => {
    const r = await runAs(TEST_USER, [path.join(prefix, 'bin/docker_run'), '--dry-run', '--', 'true'], {
      env: { ...hostile, LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox', LS_SUBCWD: user.home },
    });
    expect(r.exitCode).toBe(0);
    const env = (JSON.parse(r.stdout).files.env as string).split('\n');
    expect(env).toEqual(
      expect.arrayContaining([
        `NODE_OPTIONS=${hostile['NODE_OPTIONS']}`,
        `NODE_EXTRA_CA_CERTS=${hostile['NODE_EXTRA_CA_CERTS']}`,
        `NODE_DEBUG=${hostile['NODE_DEBUG']}`,
      ]),
    );
    expect(env.filter((line) => line.startsWith('LSFD_LAUNCHER_'))).toEqual([]);
    expect(r.stderr).toBe('');
    noMarkers();
  });

  test('a big environment reaches Node whole: in a sealed memfd (compiled kind), the job gets every variable, no descriptor stays', async () => {
    const big = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`BIG_${i}`, `v${i}`]));
    const job = spawnAs(
      DOCKER_GROUP_USER,
      [path.join(prefix, 'bin/docker_run'), 'sleep 3; env | grep -c "^BIG_"; echo "debug=$NODE_DEBUG"'],
      { env: { ...hostile, ...big, LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox', LS_SUBCWD: docker.home } },
    );
    // The wrapper's Node, while its container sleeps: what its exec carried, and its descriptors.
    const start = `${prefix}/dist/bundle/start.cjs`;
    let wrapper: string | undefined;
    for (let i = 0; i < 100 && wrapper === undefined; i++) {
      wrapper = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .find((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').includes(start);
          } catch {
            return false;
          }
        });
      if (wrapper === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(wrapper).toBeDefined();
    // Past its start (the container sleeps 3 s): start.cjs has taken the memfd back by then.
    await new Promise((r) => setTimeout(r, 1500));
    const execEnv = readFileSync(`/proc/${wrapper}/environ`, 'utf8')
      .split('\0')
      .filter((e) => e !== '');
    const fds = readdirSync(`/proc/${wrapper}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${wrapper}/fd/${fd}`);
      } catch {
        return '';
      }
    });
    const r = await job.result;
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n')).toEqual(['1000', `debug=${hostile['NODE_DEBUG']}`]);
    if (kind === 'compiled') {
      expect(execEnv.length).toBeLessThan(10);
      expect(execEnv.some((e) => /^LSFD_LAUNCHER_ENVIRONMENT=\d+$/.test(e))).toBe(true);
      expect(execEnv.some((e) => e.startsWith('NODE_'))).toBe(false);
    } else {
      expect(execEnv.length).toBeGreaterThan(1000);
    }
    expect(fds.filter((f) => f.includes('lsfd-launcher-environment'))).toEqual([]);
    noMarkers();
  });

  test('each bundle has a V8 code cache that this node accepts', () => {
    const bundles = path.join(prefix, 'dist/bundle');
    for (const name of ['docker_run', 'lsf_docker', 'esub_docker']) {
      const accepted = execFileSync(
        process.execPath,
        [
          '-p',
          'require(process.argv[1]).cacheAccepted(process.argv[2])',
          `${bundles}/start.cjs`,
          `${bundles}/${name}.cjs`,
        ],
        { encoding: 'utf8', env: { PATH: DEFAULT_PATH } },
      );
      expect(`${name}: ${accepted.trim()}`).toBe(`${name}: true`);
    }
  });

  test("the flock addon (compiled kind; none without the compiler): a lock it takes is the kernel's, seen by flock(1)", async () => {
    const addon = path.join(prefix, 'dist/bundle/lsfd-native.node');
    expect(existsSync(addon)).toBe(kind === 'compiled');
    if (kind !== 'compiled') return;
    const lockFile = path.join(prefix, 'lockfile');
    await writeFile(lockFile, '');
    const held = execFileSync(
      process.execPath,
      [
        '-e',
        `const a = require(process.argv[1]); const fs = require('fs'); const cp = require('child_process');
         const fd = fs.openSync(process.argv[2], 'r'); const got = a.flock(fd);
         const other = cp.spawnSync('flock', ['--nonblock', process.argv[2], 'true']).status;
         const again = a.flock(fs.openSync(process.argv[2], 'r'));
         fs.closeSync(fd);
         const after = cp.spawnSync('flock', ['--nonblock', process.argv[2], 'true']).status;
         console.log(JSON.stringify({ got, other, again, after }));`,
        addon,
        lockFile,
      ],
      { encoding: 'utf8' },
    );
    // Taken (0); flock(1) then finds it held (1); a second description gets EWOULDBLOCK (11); free once closed.
    expect(JSON.parse(held)).toEqual({ got: 0, other: 1, again: 11, after: 0 });
  });

  test('a rejected or damaged cache falls back to compiling, silently', async () => {
    const cache = path.join(prefix, 'dist/bundle/esub_docker.cjs.cache');
    await writeFile(cache, 'not a code cache');
    const r = await runAs(TEST_USER, [path.join(prefix, 'bin/esub.docker'), '--version']);
    expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({
      exitCode: 0,
      stdout: VERSION,
      stderr: '',
    });
  });
});

describe('the repository launchers (development)', () => {
  test('bin/docker_run runs the built bundle', () => {
    const out = execFileSync(process.execPath, [path.join(REPO, 'bin/docker_run'), '--version'], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(VERSION);
  });
});
