/**
 * The ground every other integration test stands on, proven against the real thing: the engine
 * answers, the secure mode's users cannot reach the daemon and the docker-group user can, each
 * test image runs as that user, the images have (or lack) the shells later tests rely on, the sudo
 * rule is in place for the test prefix, and the local registry
 * refuses anonymous pushes and accepts authenticated ones. Also checks the shared helpers.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, jest, test } from '@jest/globals';
import { SETUP, sudoRuleFile } from './global-setup.js';
import {
  DOCKER_BIN,
  docker,
  dockerOk,
  IMAGES,
  REGISTRY,
  registryDeleteTag,
  registryTags,
  removeContainersWithLabel,
} from './helpers/docker.js';
import { INSTALL_PREFIX, PROGRAMS, program } from './helpers/paths.js';
import { killPtySessions, ptyAs } from './helpers/pty.js';
import { DEFAULT_PATH, describeResult, runAs, spawnAs } from './helpers/run-as.js';
import { DOCKER_GROUP_USER, groupId, LAB_GROUP, TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

// jest-circus reads testTimeout only from the top-level config, not from a project's.
jest.setTimeout(120_000);

const LABEL = `lsfd-itg.foundation=${process.pid}`;
afterEach(killPtySessions);
afterAll(async () => {
  await removeContainersWithLabel(LABEL);
  await cleanupWorkspace();
});

const user = userInfo(TEST_USER);
/** The docker-group mode's user: the one who may talk to the daemon directly. */
const dock = userInfo(DOCKER_GROUP_USER);
const asUser = `${dock.uid}:${dock.gid}`;

describe('engine', () => {
  test('the docker daemon answers with its server version', async () => {
    const out = await dockerOk(['version', '--format', '{{.Server.Version}}']);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
  });

  test(`${DOCKER_GROUP_USER} may use the daemon (docker group: no boundary)`, async () => {
    const r = await runAs(DOCKER_GROUP_USER, ['docker', 'info', '--format', '{{.ServerVersion}}']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+/);
  });

  test.each([TEST_USER, TEST_USER2])(
    '%s may not (the secure mode: only through the sudo rule)',
    async (name) => {
      const r = await runAs(name, ['docker', 'info', '--format', '{{.ServerVersion}}']);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/permission denied/i);
      expect(userInfo(name).groupNames).not.toContain('docker');
    },
  );
});

describe('test images run a command as the test user', () => {
  const cases: [string, string, string[]][] = [
    ['busybox', IMAGES.busybox, ['id', '-u']],
    ['debian', IMAGES.debian, ['id', '-u']],
    ['nosh', IMAGES.nosh, ['/busybox', 'id', '-u']],
  ];
  test.each(cases)('%s', async (_label, image, cmd) => {
    const r = await runAs(DOCKER_GROUP_USER, [
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      '-u',
      asUser,
      image,
      ...cmd,
    ]);
    expect({ exit: r.exitCode, out: r.stdout }).toEqual({ exit: 0, out: String(dock.uid) });
  });

  test('the debian image has bash', async () => {
    const r = await runAs(DOCKER_GROUP_USER, [
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      '-u',
      asUser,
      IMAGES.debian,
      'bash',
      '-c',
      'echo "bash $BASH_VERSION"',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^bash 5\./);
  });

  test('the nosh image has no /bin/sh', async () => {
    const r = await runAs(DOCKER_GROUP_USER, [
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      IMAGES.nosh,
      '/bin/sh',
      '-c',
      'true',
    ]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no such file or directory|not found/i);
    const ls = await runAs(DOCKER_GROUP_USER, [
      'docker',
      'run',
      '--rm',
      '--network',
      'none',
      IMAGES.nosh,
      '/busybox',
      'ls',
      '/',
    ]);
    expect(ls.exitCode).toBe(0);
    expect(ls.stdout.split('\n')).not.toContain('bin');
  });
});

describe('registry', () => {
  const repo = 'lsfd/foundation';
  const tag = `t${Date.now()}-${process.pid}`;
  const ref = `${REGISTRY.address}/${repo}:${tag}`;

  afterAll(async () => {
    await docker(['rmi', ref]);
    await registryDeleteTag(repo, tag).catch(() => false);
  });

  test('provisioning pushed the busybox image', async () => {
    expect(await registryTags('lsfd/busybox')).toContain('latest');
  });

  test('refuses an unauthenticated push and accepts an authenticated one', async () => {
    const dockerConfig = await userDir(DOCKER_GROUP_USER, 'docker-config');
    const env = { DOCKER_CONFIG: dockerConfig };
    const tagged = await runAs(DOCKER_GROUP_USER, ['docker', 'tag', IMAGES.busybox, ref], { env });
    expect(tagged.exitCode).toBe(0);

    const anonymous = await runAs(DOCKER_GROUP_USER, ['docker', 'push', ref], { env });
    expect(anonymous.exitCode).not.toBe(0);
    expect(anonymous.stderr).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
    expect(await registryTags(repo)).not.toContain(tag);

    const login = await runAs(
      DOCKER_GROUP_USER,
      ['docker', 'login', '--username', REGISTRY.user, '--password-stdin', REGISTRY.address],
      { env, input: REGISTRY.password },
    );
    expect(login.exitCode).toBe(0);
    const pushed = await runAs(DOCKER_GROUP_USER, ['docker', 'push', ref], { env });
    expect({ exit: pushed.exitCode, why: describeResult(pushed) }).toMatchObject({ exit: 0 });
    expect(await registryTags(repo)).toContain(tag);
  });

  test('the registry API refuses anonymous reads', async () => {
    const res = await fetch(`${REGISTRY.url}/v2/_catalog`);
    expect(res.status).toBe(401);
  });
});

describe('helpers', () => {
  test('runAs gives the real uid, gid and supplementary groups, and only PATH and HOME', async () => {
    const ids = await runAs(TEST_USER, ['id', '-G']);
    expect(ids.stdout.split(' ').map(Number).sort()).toEqual([...user.groups].sort());
    expect(user.groups).toContain(groupId(LAB_GROUP));
    expect(user.groups).not.toContain(groupId('docker'));
    expect(dock.groups).toContain(groupId('docker'));
    const env = await runAs(TEST_USER, ['env'], { env: { EXTRA: 'x y' } });
    expect(env.stdout.split('\n').sort()).toEqual(
      [
        'EXTRA=x y',
        `HOME=${user.home}`,
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ].sort(),
    );
    const other = await runAs(TEST_USER2, ['id', '-u']);
    expect(other.stdout).toBe(String(userInfo(TEST_USER2).uid));
  });

  test('runAs passes stdin and reports exit codes without throwing', async () => {
    const r = await runAs(TEST_USER, ['sh', '-c', 'cat; exit 7'], { input: 'hello' });
    expect(r).toMatchObject({ exitCode: 7, stdout: 'hello', signal: undefined });
  });

  test('spawnAs can signal a detached process group', async () => {
    const s = spawnAs(TEST_USER, ['sleep', '60'], { detached: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    s.kill('SIGTERM');
    const r = await s.result;
    expect(r.signal).toBe('SIGTERM');
    expect(r.exitCode).toBeUndefined();
  });

  test('userDir and writeConfig create the promised ownership and modes', async () => {
    const dir = await userDir(TEST_USER, 'probe');
    const d = await stat(dir);
    expect({ uid: d.uid, gid: d.gid, mode: d.mode & 0o7777 }).toEqual({
      uid: user.uid,
      gid: user.gid,
      mode: 0o755,
    });
    expect(path.dirname(dir)).toBe(user.home);
    const conf = await writeConfig('[docker]\nbinary = docker\n');
    const c = await stat(conf);
    const p = await stat(path.dirname(conf));
    expect({ uid: c.uid, mode: c.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
    expect({ uid: p.uid, mode: p.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    const read = await runAs(TEST_USER2, ['cat', conf]);
    expect(read.stdout).toBe('[docker]\nbinary = docker');
  });

  test('global-setup checks the same things the helpers use', () => {
    expect(SETUP).toEqual({
      images: Object.values(IMAGES),
      registryUrl: REGISTRY.url,
      users: [TEST_USER, TEST_USER2, DOCKER_GROUP_USER],
      secureUsers: [TEST_USER, TEST_USER2],
      dockerGroupUser: DOCKER_GROUP_USER,
      installPrefix: INSTALL_PREFIX,
      docker: DOCKER_BIN,
      path: DEFAULT_PATH,
    });
  });

  test('the sudo rule of the secure mode is written for the test prefix', async () => {
    const rule = await stat(sudoRuleFile(INSTALL_PREFIX));
    expect({ uid: rule.uid, mode: rule.mode & 0o777 }).toEqual({ uid: 0, mode: 0o440 });
    const r = await runAs(TEST_USER, ['sudo', '-n', '-l', program('docker_run')]);
    expect({ exit: r.exitCode, out: r.stdout }).toEqual({ exit: 0, out: program('docker_run') });
  });

  test('the built project is installed where the test users can run it', async () => {
    for (const name of PROGRAMS) {
      const s = await stat(program(name));
      expect({ name, uid: s.uid, mode: s.mode & 0o777 }).toEqual({ name, uid: 0, mode: 0o755 });
    }
    const r = await runAs(TEST_USER, ['test', '-r', path.join(INSTALL_PREFIX, 'package.json')]);
    expect(r.exitCode).toBe(0);
  });

  test('ptyAs drives an interactive container through a real terminal', async () => {
    const s = ptyAs(DOCKER_GROUP_USER, [
      'docker',
      'run',
      '--rm',
      '-it',
      '--label',
      LABEL,
      '--network',
      'none',
      '-u',
      asUser,
      IMAGES.busybox,
      'sh',
    ]);
    await s.waitFor(/\$ $/);
    const from = s.text().length;
    s.write('tty; id -u\n');
    await s.waitFor(new RegExp(`^${dock.uid}$`, 'm'), 30_000, from);
    s.write('exit 3\n');
    const r = await s.result;
    expect(r.exitCode).toBe(3);
    expect(s.text()).toMatch(/^\/dev\/pts\/\d+$/m);
  });
});
