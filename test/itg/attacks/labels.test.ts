/**
 * Attack class (e), trusting labels: any user can make a running container carry any labels and
 * any Config.User: the classic builder runs each RUN step of a docker_build in a container with
 * the labels and USER the Dockerfile set so far, and an image pushed to a registry by hand can
 * carry label values no Dockerfile can write (newlines). The attacker (lsfd-test, through the
 * sudo rule) forges the labels of the victim (lsfd-test2):
 *   - docker_exec JOBID of the victim must never enter the attacker's container, and must still
 *     enter the victim's own one when that runs too;
 *   - root's `lsf-docker sweep` must never remove the victim's live container, whatever a label
 *     value holds.
 *
 * Result today (docker 20.10.24 daemon, classic builder, sudo rule):
 *   - docker_exec, the victim's job not (yet) on the host   HOLE: the victim's command runs in
 *       the attacker's build container (it prints the attacker's /proof), with the victim's
 *       environment, as the victim's uid, next to the attacker's processes
 *   - docker_exec, the victim's job running as well          HOLE: refused, "2 running
 *       containers; refusing to guess" (227): the attacker blocks docker_exec for any job id
 *   - root's sweep and a label value with a newline          HOLE: the forged record names the
 *       victim's container with a dead pid; root removes it and the victim's job dies
 * Where: lib/exec/target.ts chooseTarget() trusts the labels lsf-docker.managed/job/index/uid and
 * Config.User, all of which the image sets; lib/sweep/sweep.ts sweepAll() reads
 * `docker ps --format '{{.ID}}\t{{.Names}}\t{{.Label "lsf-docker.pid"}}'` and splits it on "\n".
 *
 * The sweep is run for real when its dry run would remove nothing but this file's containers;
 * otherwise (other tests' orphans on a shared host) the dry run's verdict is what is checked.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  cleanupAttacks,
  jobContainer,
  prepareAttacks,
  pushLabelledImage,
  spawnSudo,
  sudoRun,
  token,
  waitFor,
} from '../helpers/attack.js';
import {
  docker,
  IMAGES,
  makeDockerConfig,
  registryDeleteTag,
  removeDockerConfig,
} from '../helpers/docker.js';
import { program } from '../helpers/paths.js';
import { runAs, type SpawnedAs } from '../helpers/run-as.js';
import { TEST_USER, TEST_USER2, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir, writeFileAs } from '../helpers/workspace.js';

const attacker = userInfo(TEST_USER);
const victim = userInfo(TEST_USER2);
const MARK = token('attack');
/** Marks everything this file makes (containers, images) for the cleanup. */
const MARK_LABEL = `lsf-docker-itg.attack=${MARK}`;
const DEAD_PID = '999999999';
let config: string;
let attackerWork: string;
let victimWork: string;
const spawned: SpawnedAs[] = [];
let craftedTag: string | undefined;

beforeAll(async () => {
  await prepareAttacks();
  config = await attackConfig('[job]\nterminate_interval = 1\n');
  attackerWork = await userDir(TEST_USER, 'labels');
  victimWork = await userDir(TEST_USER2, 'labels-victim');
});
afterAll(async () => {
  for (const s of spawned) s.kill('SIGTERM');
  await Promise.all(spawned.map((s) => s.result));
  const containers = await docker(['ps', '-aq', '--filter', `label=${MARK_LABEL}`]);
  const ids = containers.stdout.split('\n').filter((l) => l !== '');
  if (ids.length > 0) await docker(['rm', '-f', ...ids]);
  const images = await docker(['images', '-q', '--filter', `label=${MARK_LABEL}`]);
  const imageIds = [...new Set(images.stdout.split('\n').filter((l) => l !== ''))];
  if (imageIds.length > 0) await docker(['rmi', '-f', ...imageIds]);
  if (craftedTag) await registryDeleteTag('lsfd/busybox', craftedTag);
  await cleanupAttacks();
  await cleanupWorkspace();
});

/**
 * Starts a docker_build of DOCKERFILE as the attacker; resolves once the step container labelled
 * lsf-docker-itg.build=STEP runs.
 */
async function attackerBuild(dockerfile: string, step: string): Promise<string> {
  await writeFileAs(`${attackerWork}/Dockerfile`, dockerfile, { user: TEST_USER });
  const build = spawnSudo(TEST_USER, 'docker_build', ['--config', config, '.'], {
    cwd: attackerWork,
    timeout: 120_000,
  });
  spawned.push(build);
  return waitFor(
    'the build step container',
    async () => {
      const r = await docker(['ps', '-q', '--no-trunc', '--filter', `label=lsf-docker-itg.build=${step}`]);
      return r.stdout.split('\n').find((l) => l !== '');
    },
    60_000,
  );
}

/** Starts a job of the victim's through the sudo rule; resolves with its container's id. */
async function victimJob(job: string): Promise<string> {
  const s = spawnSudo(TEST_USER2, 'docker_run', ['--config', config, 'sleep 120'], {
    cwd: victimWork,
    env: { LSB_JOBID: job },
  });
  spawned.push(s);
  return waitFor("the victim's container", () => jobContainer(victim.uid, job));
}

describe('docker_exec never enters a container because of its labels', () => {
  const JOB = String(884000 + (process.pid % 1000));
  const proof = token('attacker-image');

  beforeAll(async () => {
    // Every label docker_exec checks, and the victim's uid as the step's user.
    await attackerBuild(
      [
        `FROM ${IMAGES.busybox}`,
        `RUN echo ${proof} > /proof`,
        `LABEL ${MARK_LABEL} lsf-docker-itg.build=exec lsf-docker.managed=true lsf-docker.job=${JOB} lsf-docker.index=0 lsf-docker.uid=${victim.uid} lsf-docker.host=${hostname()} lsf-docker.pid=${DEAD_PID}`,
        `USER ${victim.uid}:${victim.gid}`,
        'RUN sleep 60',
        '',
      ].join('\n'),
      'exec',
    );
  });

  const victimExec = () =>
    sudoRun(
      TEST_USER2,
      'docker_exec',
      ['--config', config, JOB, 'cat /proof 2>/dev/null || echo own-container'],
      {
        cwd: victimWork,
        timeout: 30_000,
      },
    );

  test("the victim's job has no container here: not the attacker's either", async () => {
    const r = await victimExec();
    expect(r.stdout).not.toContain(proof);
    expect(r.exitCode).toBe(227);
  });

  test("the victim's job runs too: docker_exec enters the victim's own container", async () => {
    await victimJob(JOB);
    const r = await victimExec();
    expect({ exit: r.exitCode, out: r.stdout, err: r.stderr }).toEqual({
      exit: 0,
      out: 'own-container',
      err: '',
    });
  });
});

describe("root's sweep never removes a live container, whatever a label holds", () => {
  const JOB = String(885000 + (process.pid % 1000));

  test("a forged record in a label value with a newline leaves the victim's job running", async () => {
    const victimId = await victimJob(JOB);
    // The attacker knows the name: lsf_JOBID_INDEX_PID, the job id from bjobs, the pid from ps.
    const victimName = (await docker(['inspect', '--format', '{{.Name}}', victimId])).stdout.replace(
      /^\//,
      '',
    );
    expect(victimName).toMatch(new RegExp(`^lsf_${JOB}_0_\\d+$`));
    craftedTag = `attack-${MARK}`;
    const crafted = await pushLabelledImage('lsfd/busybox', 'latest', craftedTag, {
      'lsf-docker-itg.attack': MARK,
      'lsf-docker-itg.build': 'sweep',
      'lsf-docker.managed': 'true',
      'lsf-docker.host': hostname(),
      'lsf-docker.uid': String(attacker.uid),
      'lsf-docker.pid': `${DEAD_PID}\n${victimName}\t${victimName}\t${DEAD_PID}`,
    });
    // The attacker's job would pull it with their login; the test pulls it as root.
    const login = await makeDockerConfig({ login: true });
    try {
      const pull = await docker(['pull', crafted], { env: { DOCKER_CONFIG: login } });
      expect(pull.exitCode).toBe(0);
    } finally {
      await removeDockerConfig(login);
    }
    await attackerBuild(`FROM ${crafted}\nRUN sleep 60\n`, 'sweep');

    const sweep = (...args: string[]) =>
      runAs('root', [program('lsf-docker'), '--config', config, 'sweep', ...args], {
        cwd: '/',
        timeout: 60_000,
      });
    const dry = await sweep('--dry-run');
    const wouldRemove = [...dry.stdout.matchAll(/^would remove container (\S+)$/gm)].map((m) => m[1]!);
    const ours = await docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `label=${MARK_LABEL}`]);
    const mine = new Set([victimName, ...ours.stdout.split('\n').filter((l) => l !== '')]);
    if (wouldRemove.every((name) => mine.has(name))) {
      await sweep();
      const state = await docker(['inspect', '--format', '{{.State.Running}}', victimId]);
      expect({ victimRunning: state.stdout }).toEqual({ victimRunning: 'true' });
    } else {
      expect({ wouldRemove }).toEqual({ wouldRemove: expect.not.arrayContaining([victimName]) });
    }
    expect(await jobContainer(victim.uid, JOB)).toBe(victimId);
  });
});
