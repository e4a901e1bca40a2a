/**
 * esub.docker and esub.docker_build, called exactly as LSF calls them: a parameter file in
 * LSB_SUB_PARM_FILE, empty modify files in LSB_SUB_MODIFY_FILE / LSB_SUB_MODIFY_ENVFILE,
 * LSB_SUB_ABORT_VALUE=97, the application's argument as argv or only in LSB_SUB_ADDITIONAL;
 * run as the unprivileged test user. Accepts write the modify files; rejects exit 97 with one
 * stderr line and write nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { program } from './helpers/paths.js';
import { runAs } from './helpers/run-as.js';
import { TEST_USER } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig, writeFileAs } from './helpers/workspace.js';

afterAll(cleanupWorkspace);

let dir: string;
let config: string;
beforeAll(async () => {
  dir = await userDir(TEST_USER, 'esub');
  config = await writeConfig(
    '[image_aliases]\nbox = lsf-docker-test/busybox:latest\n[images]\nallow_registries[] = docker.io\nallow_registries[] = 127.0.0.1:5000\n[build]\nallow_registries[] = 127.0.0.1:5000\n',
  );
});

interface Played {
  exitCode: number | undefined;
  stderr: string;
  modify: string;
  modifyEnv: string;
}

/** Plays LSF: writes the files, runs the esub as the user, reads what it wrote. */
async function playLsf(
  esub: 'esub.docker' | 'esub.docker_build',
  opts: { argv?: string[]; additional?: string; env?: Record<string, string> },
): Promise<Played> {
  const n = Math.random().toString(36).slice(2);
  const parm = path.join(dir, `parm.${n}`);
  const modify = path.join(dir, `modify.${n}`);
  const modifyEnv = path.join(dir, `modify_env.${n}`);
  const lines = ['LSB_SUB_QUEUE="normal"', 'LSB_SUB_NUM_PROCESSORS=1'];
  if (opts.additional !== undefined) lines.push(`LSB_SUB_ADDITIONAL="${opts.additional}"`);
  await writeFileAs(parm, `${lines.join('\n')}\n`, { user: TEST_USER, mode: 0o600 });
  await writeFileAs(modify, '', { user: TEST_USER, mode: 0o600 });
  await writeFileAs(modifyEnv, '', { user: TEST_USER, mode: 0o600 });
  const argv = [program(esub), '--config', config, ...(opts.argv ?? [])];
  const r = await runAs(TEST_USER, argv, {
    env: {
      LSB_SUB_PARM_FILE: parm,
      LSB_SUB_MODIFY_FILE: modify,
      LSB_SUB_MODIFY_ENVFILE: modifyEnv,
      LSB_SUB_ABORT_VALUE: '97',
      ...opts.env,
    },
    cwd: dir,
  });
  expect(r.stdout).toBe(''); // stdout belongs to LSF's eexec
  return {
    exitCode: r.exitCode,
    stderr: r.stderr,
    modify: await readFile(modify, 'utf8'),
    modifyEnv: await readFile(modifyEnv, 'utf8'),
  };
}

describe('esub.docker', () => {
  test('image as argv: LSB_CONTAINER_IMAGE to the env file, the docker profile to the modify file', async () => {
    const r = await playLsf('esub.docker', {
      argv: ['lsf-docker-test/busybox:latest'],
      additional: 'docker(lsf-docker-test/busybox:latest)',
    });
    expect(r.exitCode).toBe(0);
    expect(r.modifyEnv).toBe('LSB_CONTAINER_IMAGE="lsf-docker-test/busybox:latest"\n');
    expect(r.modify).toBe('LSB_SUB_APP_NAME="docker"\n');
  });

  test('image only in LSB_SUB_ADDITIONAL of the parameter file (no argv)', async () => {
    const r = await playLsf('esub.docker', {
      additional: 'other(x) docker(127.0.0.1:5000/lsfd/busybox:latest)',
    });
    expect(r.exitCode).toBe(0);
    expect(r.modifyEnv).toBe('LSB_CONTAINER_IMAGE="127.0.0.1:5000/lsfd/busybox:latest"\n');
  });

  test('an admin alias resolves to its image', async () => {
    const r = await playLsf('esub.docker', { argv: ['box'] });
    expect(r.exitCode).toBe(0);
    expect(r.modifyEnv).toBe('LSB_CONTAINER_IMAGE="lsf-docker-test/busybox:latest"\n');
  });

  test.each([
    ['a malformed image', ['Bad Image!'], /LSB_CONTAINER_IMAGE|argument/],
    ['an option-like image', ['--privileged'], /unknown option|must not start/],
    [
      'a registry the admin does not allow',
      ['evil.example.com/x:1'],
      /registry evil\.example\.com .*not allowed/,
    ],
    ['no image at all', [], /no image given/],
  ])('rejects %s: exit 97, one stderr line, nothing written', async (_label, argv, message) => {
    const r = await playLsf('esub.docker', { argv });
    expect(r.exitCode).toBe(97);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^esub\.docker: /);
    expect(r.stderr).toMatch(message);
    expect(r.modify + r.modifyEnv).toBe('');
  });

  test('a config file others may write rejects the job (exit 97) instead of trusting it', async () => {
    const unsafe = await writeFileAs(path.join(dir, 'unsafe.conf'), '[local]\nslots = 1\n', {
      user: TEST_USER,
      mode: 0o666,
    });
    const bad = await runAs(
      TEST_USER,
      [program('esub.docker'), '--config', unsafe, 'lsf-docker-test/busybox'],
      {
        env: { LSB_SUB_MODIFY_FILE: path.join(dir, 'm'), LSB_SUB_MODIFY_ENVFILE: path.join(dir, 'e') },
      },
    );
    expect(bad.exitCode).toBe(97);
    expect(bad.stderr).toMatch(/refusing to trust it|not root/);
  });
});

describe('esub.docker_build', () => {
  test('the first tag becomes LSB_DOCKER_BUILD_TAG and selects the docker_build profile', async () => {
    const r = await playLsf('esub.docker_build', { argv: ['127.0.0.1:5000/lsfd/built:1.0'] });
    expect(r.exitCode).toBe(0);
    expect(r.modifyEnv).toBe('LSB_DOCKER_BUILD_TAG="127.0.0.1:5000/lsfd/built:1.0"\n');
    expect(r.modify).toBe('LSB_SUB_APP_NAME="docker_build"\n');
  });

  test('a tag for a registry builds may not push to is rejected with 97', async () => {
    const r = await playLsf('esub.docker_build', { argv: ['docker.io/someone/x:1'] });
    expect({ exit: r.exitCode, files: r.modify + r.modifyEnv }).toEqual({ exit: 97, files: '' });
    expect(r.stderr).toMatch(/not allowed for builds/);
  });

  test('login-only mode needs no tag', async () => {
    const r = await playLsf('esub.docker_build', { env: { LSB_DOCKER_LOGIN_ONLY: '1' } });
    expect(r.exitCode).toBe(0);
    expect(r.modifyEnv).toBe('');
    expect(r.modify).toBe('LSB_SUB_APP_NAME="docker_build"\n');
  });

  test('no tag and no login-only: 97', async () => {
    const r = await playLsf('esub.docker_build', {});
    expect(r.exitCode).toBe(97);
    expect(r.stderr).toMatch(/no tag given/);
  });
});
