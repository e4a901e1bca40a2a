/**
 * docker_build through the local LSF emulation, as a user would submit it: a login-only job, then
 * `bsub -a 'docker_build(TAG)' -- -t TAG2 CONTEXT` builds and pushes both tags, then a
 * `bsub -a 'docker(TAG)'` job pulls the image just pushed with the stored credentials and runs it.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { docker, IMAGES, imageExists, REGISTRY, registryDeleteTag, registryTags } from './helpers/docker.js';
import { itgConfig } from './helpers/job.js';
import { LOCAL_LSF_USER } from './helpers/mode.js';
import { program } from './helpers/paths.js';
import { describeResult, runAs } from './helpers/run-as.js';
import { userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from './helpers/workspace.js';

jest.setTimeout(120_000);

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const REPO = `lsfd/build-local-itg-${RUN}`;
const TAGS = [`${REGISTRY.address}/${REPO}:1.1.4`, `${REGISTRY.address}/${REPO}:1.1`];
const user = userInfo(LOCAL_LSF_USER);
const dockerDir = path.join(user.home, '.docker');
const savedDir = path.join(user.home, `.docker.build-local-itg-${RUN}`);

let config: string;
let work: string;

beforeAll(async () => {
  if (existsSync(dockerDir)) renameSync(dockerDir, savedDir);
  config = await itgConfig('[docker]\npull = always\n');
  work = await userDir(LOCAL_LSF_USER, 'build-local');
  await writeFileAs(
    path.join(work, 'Dockerfile'),
    `FROM ${IMAGES.busybox}\nARG NOTE=none\nRUN echo "built through bsub: $NOTE" > /how\n`,
    { user: LOCAL_LSF_USER },
  );
});

afterAll(async () => {
  rmSync(dockerDir, { recursive: true, force: true });
  if (existsSync(savedDir)) renameSync(savedDir, dockerDir);
  for (const tag of await registryTags(REPO)) await registryDeleteTag(REPO, tag);
  await docker(['rmi', '-f', ...TAGS]);
  await cleanupWorkspace();
});

const bsub = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runAs(LOCAL_LSF_USER, [program('lsf-docker'), '--config', config, 'bsub', ...args], {
    cwd: work,
    env: opts.env,
    input: opts.input,
    timeout: 90_000,
  });

test('login, build and push, then run the pushed image, all as bsub jobs', async () => {
  const login = await bsub(['-I', '-a', 'docker_build', '--', '.'], {
    env: {
      LSB_DOCKER_LOGIN_ONLY: '1',
      LSB_DOCKER_LOGIN_SERVER: REGISTRY.address,
      LSB_DOCKER_LOGIN_USER: REGISTRY.user,
    },
    input: `${REGISTRY.password}\n`,
  });
  expect(login.exitCode).toBe(0);
  expect(login.stdout).toContain(`logged in to ${REGISTRY.address} as ${REGISTRY.user}`);

  const build = await bsub([
    '-I',
    '-a',
    `docker_build(${TAGS[0]})`,
    '--',
    '--tag',
    TAGS[1]!,
    '--build-arg',
    'NOTE=lsf-docker',
    '.',
  ]);
  expect({ exit: build.exitCode, result: describeResult(build) }).toMatchObject({ exit: 0 });
  for (const tag of TAGS) expect(build.stdout).toContain(`docker_build: pushed ${tag} (sha256:`);
  expect((await registryTags(REPO)).sort()).toEqual(['1.1', '1.1.4']);

  await docker(['rmi', ...TAGS]);
  expect(await imageExists(TAGS[0]!)).toBe(false);
  const run = await bsub(['-I', '-a', `docker(${TAGS[0]})`, 'cat', '/how']);
  expect({ exit: run.exitCode, out: run.stdout }).toEqual({
    exit: 0,
    out: expect.stringContaining('built through bsub: lsf-docker'),
  });
});
