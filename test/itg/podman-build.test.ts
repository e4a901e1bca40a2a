/**
 * docker_build on podman, against the local registry (127.0.0.1:5000, plain HTTP with htpasswd:
 * listed in [images] insecure_registries): login with --password-stdin into podman's lasting auth
 * file, build, push with --tls-verify=false; rootless as the user, rootful as root for the user
 * (the sudo rule: a private HOME and a private copy of the user's logins, merged back as the user).
 * Then a rootless docker_run pulls the pushed image with those credentials.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../lib/kernel/exit-codes.js';
import { REGISTRY, registryDeleteTag, registryTags } from './helpers/docker.js';
import { dockerRun } from './helpers/job.js';
import { program } from './helpers/paths.js';
import { ownTmpRoot, podmanAs, sudoConfigDir } from './helpers/podman.js';
import { type RunResult, runAs } from './helpers/run-as.js';
import { TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const AUTH = `${user.home}/.config/containers/auth.json`;
const REPO = `lsfd/podman-build-${process.pid}`;
let saved: string | undefined;
let tmpRoot: string;
let sudoDir: ReturnType<typeof sudoConfigDir>;
let work: string;
const configs: Record<string, string> = {};

const body = (tmp: string) =>
  `[docker]\nengine = podman\n[images]\ninsecure_registries[] = ${REGISTRY.address}\n[paths]\ntmp_root = ${tmp}\n[resources]\nunenforceable = warn\n`;

beforeAll(async () => {
  saved = existsSync(AUTH) ? readFileSync(AUTH, 'utf8') : undefined;
  rmSync(AUTH, { force: true });
  tmpRoot = ownTmpRoot('podman-build');
  sudoDir = sudoConfigDir();
  configs.rootless = await writeConfig(body(tmpRoot));
  configs.rootful = sudoDir.write('build.conf', body(tmpRoot));
  work = await userDir(TEST_USER, 'podman-build');
  writeFileSync(path.join(work, 'Dockerfile'), 'FROM lsf-docker-test/busybox\nRUN echo built > /built\n');
});

afterAll(async () => {
  if (saved === undefined) rmSync(AUTH, { force: true });
  else writeFileSync(AUTH, saved, { mode: 0o600 });
  for (const tag of await registryTags(REPO)) await registryDeleteTag(REPO, tag);
  for (const store of [TEST_USER, 'root']) {
    const images = await podmanAs(store, [
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
      '--filter',
      `reference=*/${REPO}`,
    ]);
    const refs = images.stdout.split('\n').filter((l) => l !== '');
    if (refs.length > 0) await podmanAs(store, ['rmi', '-f', ...refs]);
  }
  sudoDir?.remove();
  rmSync(tmpRoot, { recursive: true, force: true });
  await cleanupWorkspace();
});

/** docker_build as the user (rootless) or as root for the user (rootful, as the sudo rule runs it). */
function dockerBuild(
  mode: 'rootless' | 'rootful',
  args: string[],
  env: Record<string, string> = {},
  input = '',
): Promise<RunResult> {
  const argv = [program('docker_build'), '--config', configs[mode]!, ...args];
  const sudo = { SUDO_UID: String(user.uid), SUDO_GID: String(user.gid), SUDO_USER: user.name };
  return runAs(mode === 'rootless' ? TEST_USER : 'root', argv, {
    cwd: work,
    env: mode === 'rootless' ? env : { ...env, ...sudo },
    input,
    timeout: 90_000,
  });
}

const LOGIN = {
  LSB_DOCKER_LOGIN_ONLY: '1',
  LSB_DOCKER_LOGIN_SERVER: REGISTRY.address,
  LSB_DOCKER_LOGIN_USER: REGISTRY.user,
};

describe.each<'rootless' | 'rootful'>(['rootless', 'rootful'])('%s podman', (mode) => {
  test("login: a wrong password is 224 and stores nothing; the right one lands in ~/.config/containers/auth.json (0600, the user's)", async () => {
    rmSync(AUTH, { force: true });
    const bad = await dockerBuild(mode, ['.'], LOGIN, 'not-the-password\n');
    expect(bad.exitCode).toBe(ExitCode.LOGIN_FAILED);
    expect(bad.stderr).toMatch(
      /^docker_build: login: lsfd@127\.0\.0\.1:5000: wrong user name or password: /m,
    );
    expect(bad.stderr).not.toContain('not-the-password');
    expect(
      existsSync(AUTH) ? JSON.parse(readFileSync(AUTH, 'utf8')).auths?.[REGISTRY.address] : undefined,
    ).toBeUndefined();

    const good = await dockerBuild(mode, ['.'], LOGIN, `${REGISTRY.password}\n`);
    expect(good.exitCode).toBe(0);
    expect(good.stdout).toBe(
      `docker_build: logged in to ${REGISTRY.address} as ${REGISTRY.user}; credentials stored in ${AUTH}`,
    );
    const st = statSync(AUTH);
    expect([st.uid, st.mode & 0o777]).toEqual([user.uid, 0o600]);
    expect(Object.keys(JSON.parse(readFileSync(AUTH, 'utf8')).auths)).toEqual([REGISTRY.address]);
  });

  test('build and push with --tls-verify=false to the listed plain-HTTP registry', async () => {
    const tag = `${REGISTRY.address}/${REPO}:${mode}`;
    const r = await dockerBuild(mode, ['-t', tag, '.']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^STEP 2\/2: RUN echo built > \/built$/m);
    expect(r.stdout).toMatch(new RegExp(`^docker_build: pushed ${tag.replace(/[./]/g, '\\$&')}`, 'm'));
    expect(await registryTags(REPO)).toContain(mode);
  });
});

test('a failing step: 222 naming the STEP; nothing pushed', async () => {
  writeFileSync(path.join(work, 'Dockerfile.bad'), 'FROM lsf-docker-test/busybox\nRUN exit 3\n');
  const r = await dockerBuild('rootless', [
    '-f',
    'Dockerfile.bad',
    '-t',
    `${REGISTRY.address}/${REPO}:bad`,
    '.',
  ]);
  expect(r.exitCode).toBe(ExitCode.BUILD_FAILED);
  expect(r.stderr).toMatch(
    /^docker_build: build: failed at STEP 2\/2: RUN exit 3: .*exit status 3; nothing was pushed$/m,
  );
  expect(await registryTags(REPO)).not.toContain('bad');
});

test('a rootless docker_run pulls the pushed image (pull policy missing) with the stored login and --tls-verify=false', async () => {
  const image = `${REGISTRY.address}/${REPO}:rootless`;
  await podmanAs(TEST_USER, ['rmi', '-f', image]);
  const r = await dockerRun(TEST_USER, ['cat /built'], {
    cwd: work,
    config: configs.rootless,
    image,
    direct: true,
  });
  expect([r.exitCode, r.stdout]).toEqual([0, 'built']);
});
