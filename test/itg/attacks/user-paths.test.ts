/**
 * Attack class (c), root reading paths the user names: under sudo the programs run as root, and
 * LSF_DOCKER_ENV_FILE, LSF_DOCKER_ADD_HOST_FILE and `docker_build -f` name files that root then
 * opens. The attacker (an ordinary user, through the sudo rule) names
 * /proc/<pid>/root/PATH of a container of their own, where PATH is a symlink to a root-only host
 * file. Checked on the host, PATH is the attacker's own readable decoy (the kernel's view of
 * /proc/<pid>/root/... and a path walk by hand disagree: the absolute symlink inside the
 * container is followed against root's root, the host's /). Every such request must be refused
 * with one line, and no byte of the root-only file may reach stdout, stderr or the container.
 *
 * Result today (sudo rule, as lsfd-test):
 *   - LSF_DOCKER_ENV_FILE, NAME=value lines          HOLE: the job's environment holds the secret
 *   - LSF_DOCKER_ENV_FILE, other lines               HOLE: the refusal echoes the secret line
 *   - LSF_DOCKER_ADD_HOST_FILE, a host line          HOLE: the container's /etc/hosts holds it
 *   - LSF_DOCKER_ADD_HOST_FILE, another line         HOLE: the refusal echoes it
 *   - docker_build -f                                HOLE: the build prints the root-only Dockerfile
 *   - the same root-only files named directly        stopped (one line, nothing echoed)
 * Where: lib/policy/os-probe.ts readUserFile()/userMay() check realpathSync(path) (a walk by
 * hand that reads /proc/<pid>/root as "/") and then readFileSync(path) as root;
 * lib/build/access.ts checkReadableFile() checks the same way and lib/build/build-policy.ts
 * ('file') hands the path to the root docker CLI; lib/policy/environment.ts parseEnvFile() and
 * lib/policy/policy.ts (add-host lines) put the file's text into the refusal.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  cleanupAttacks,
  giveTo,
  jobContainer,
  lines,
  prepareAttacks,
  removeBuiltImages,
  secretFile,
  spawnSudo,
  sudoRun,
  token,
  waitFor,
} from '../helpers/attack.js';
import { docker, IMAGES } from '../helpers/docker.js';
import type { RunResult, SpawnedAs } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from '../helpers/workspace.js';

const attacker = userInfo(TEST_USER);
const JOB = String(882000 + (process.pid % 1000));
const T = {
  envValid: token('env-valid'),
  envLine: token('env-line'),
  hostValid: token('host-valid'),
  hostLine: token('host-line'),
  dockerfile: token('dockerfile'),
};
/** The root-only host files, by name of the symlink that leads to each inside the container. */
let secrets: Record<string, string>;
let config: string;
let work: string;
/** A path that exists on the host (the attacker's decoy) and inside the container (a symlink). */
let decoy: string;
let holder: SpawnedAs;
let containerPid: number;

beforeAll(async () => {
  await prepareAttacks();
  config = await attackConfig('[job]\nterminate_interval = 1\n');
  work = await userDir(TEST_USER, 'paths');
  await writeFileAs(path.join(work, 'Dockerfile'), `FROM ${IMAGES.busybox}\n`, { user: TEST_USER });
  secrets = {
    'env-valid': await secretFile(`SECRET_VAR=${T.envValid}\n`),
    'env-line': await secretFile(`this line is not a variable ${T.envLine}\n`),
    'host-valid': await secretFile(`${T.hostValid}.example:10.9.8.7\n`),
    'host-line': await secretFile(`${T.hostLine}\n`),
    Dockerfile: await secretFile(`FROM ${IMAGES.busybox}\nRUN echo ${T.dockerfile}\n`),
  };
  // The decoy on the host: the attacker's own readable regular files (/dev/shm is 1777 there,
  // and the container has a /dev/shm of its own).
  decoy = `/dev/shm/lsfd-attack-${process.pid}`;
  mkdirSync(decoy);
  for (const name of Object.keys(secrets)) writeFileSync(path.join(decoy, name), 'harmless\n');
  giveTo(TEST_USER, decoy, ...Object.keys(secrets).map((n) => path.join(decoy, n)));
  // Inside the attacker's own job: the same names, as symlinks to the root-only host files.
  const plant = Object.entries(secrets)
    .map(([name, file]) => `ln -s ${file} ${decoy}/${name}`)
    .join(' && ');
  holder = spawnSudo(
    TEST_USER,
    'docker_run',
    ['--config', config, `mkdir -p ${decoy} && ${plant} && touch planted && sleep 120`],
    { cwd: work, env: { LSB_JOBID: JOB } },
  );
  const id = await waitFor('the attacker container', () => jobContainer(attacker.uid, JOB));
  await waitFor('the planted links', async () =>
    (await docker(['exec', id, 'test', '-e', `${work}/planted`])).exitCode === 0 ? true : undefined,
  );
  containerPid = Number((await docker(['inspect', '--format', '{{.State.Pid}}', id])).stdout);
  expect(containerPid).toBeGreaterThan(1);
});
afterAll(async () => {
  holder?.kill('SIGTERM');
  await holder?.result;
  await cleanupAttacks();
  await cleanupWorkspace();
  await import('node:fs/promises').then((fs) => fs.rm(decoy, { recursive: true, force: true }));
});

/** The path the attacker names: the container's view of the decoy, through /proc on the host. */
const viaProc = (name: string) => `/proc/${containerPid}/root${decoy}/${name}`;

function run(env: Record<string, string>, command: string): Promise<RunResult> {
  return sudoRun(TEST_USER, 'docker_run', ['--config', config, command], { cwd: work, env, timeout: 30_000 });
}

/** Refused with one line naming SUBJECT, and the secret appears nowhere. */
function expectRefusedUnseen(r: RunResult, subject: string, secret: string, codes: number[]) {
  expect(`${r.stdout}\n${r.stderr}`).not.toContain(secret);
  expect(codes).toContain(r.exitCode);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toContain(subject);
}

describe("a path into the user's own container never makes root read a root-only host file", () => {
  test('LSF_DOCKER_ENV_FILE with NAME=value lines', async () => {
    const r = await run({ LSF_DOCKER_ENV_FILE: viaProc('env-valid') }, 'env');
    expectRefusedUnseen(r, 'LSF_DOCKER_ENV_FILE', T.envValid, [212, 213, 214]);
  });

  test('LSF_DOCKER_ENV_FILE with a line that is not NAME=value', async () => {
    const r = await run({ LSF_DOCKER_ENV_FILE: viaProc('env-line') }, 'true');
    expectRefusedUnseen(r, 'LSF_DOCKER_ENV_FILE', T.envLine, [212, 213, 214]);
  });

  test('LSF_DOCKER_ADD_HOST_FILE with a host line', async () => {
    const r = await run({ LSF_DOCKER_ADD_HOST_FILE: viaProc('host-valid') }, 'cat /etc/hosts');
    expectRefusedUnseen(r, 'LSF_DOCKER_ADD_HOST_FILE', T.hostValid, [212, 213, 214]);
  });

  test('LSF_DOCKER_ADD_HOST_FILE with a line that is not a host', async () => {
    const r = await run({ LSF_DOCKER_ADD_HOST_FILE: viaProc('host-line') }, 'true');
    expectRefusedUnseen(r, 'LSF_DOCKER_ADD_HOST_FILE', T.hostLine, [212, 213, 214]);
  });

  test('docker_build -f', async () => {
    const r = await sudoRun(
      TEST_USER,
      'docker_build',
      ['--config', config, '-f', viaProc('Dockerfile'), '.'],
      {
        cwd: work,
        timeout: 60_000,
      },
    );
    await removeBuiltImages(r.stdout);
    expectRefusedUnseen(r, '-f', T.dockerfile, [225]);
  });
});

describe('a root-only file named directly is refused without showing it', () => {
  test('LSF_DOCKER_ENV_FILE and LSF_DOCKER_ADD_HOST_FILE', async () => {
    const env = await run({ LSF_DOCKER_ENV_FILE: secrets['env-line']! }, 'true');
    expectRefusedUnseen(env, 'LSF_DOCKER_ENV_FILE', T.envLine, [212, 213, 214]);
    const hosts = await run({ LSF_DOCKER_ADD_HOST_FILE: secrets['host-line']! }, 'true');
    expectRefusedUnseen(hosts, 'LSF_DOCKER_ADD_HOST_FILE', T.hostLine, [212, 213, 214]);
  });

  test('docker_build -f', async () => {
    const r = await sudoRun(TEST_USER, 'docker_build', ['--config', config, '-f', secrets.Dockerfile!, '.'], {
      cwd: work,
      timeout: 60_000,
    });
    await removeBuiltImages(r.stdout);
    expectRefusedUnseen(r, '-f', T.dockerfile, [225]);
  });
});
