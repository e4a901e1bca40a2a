/**
 * docker_exec(JOBID): a new command inside the container of the user's running job, as that
 * user, with the environment rules of docker_run; another user's job is refused. The job runs on
 * the local LSF, whose job starters run as the user (helpers/mode.ts LOCAL_LSF_USER: the
 * docker-group mode); the other user comes through the sudo rule (the secure mode).
 */
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { containersWithLabel, dockerOk, IMAGES, removeContainersWithLabel } from './helpers/docker.js';
import { LOCAL_LSF_USER, programArgv } from './helpers/mode.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { describeResult, runAs, spawnAs } from './helpers/run-as.js';
import { TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(LOCAL_LSF_USER);
let stateDir: string;
let config: string;
let work: string;
let jobId: number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(STATE_DIR, 'exec-'));
  await chmod(stateDir, 0o1777);
  // As provisioning does: the shared host dir root-owned 1777; job tmpdirs apart from other files'.
  for (const dir of ['host', 'host/ids', 'host/locks', 'jobtmp', 'exec-tmp']) {
    await mkdir(`${stateDir}/${dir}`);
    await chmod(`${stateDir}/${dir}`, 0o1777);
  }
  config = await writeConfig(
    `[paths]\njob_tmp_root = ${stateDir}/jobtmp\n[job]\nterminate_interval = 1\n[local]\nslots = 2\nstate_dir = ${stateDir}/host\n`,
  );
  work = await userDir(LOCAL_LSF_USER, 'exec');
  const r = await runAs(
    LOCAL_LSF_USER,
    [
      program('lsf-docker'),
      '--config',
      config,
      'bsub',
      '-a',
      `docker(${IMAGES.busybox})`,
      'echo job-secret > $TMPDIR/note; sleep 300',
    ],
    { cwd: work },
  );
  const m = /Job <(\d+)>/.exec(r.stdout);
  if (!m) throw new Error(describeResult(r));
  jobId = Number(m[1]);
  const end = Date.now() + 30_000;
  while ((await containersWithLabel(`lsf-docker.job=${jobId}`)).length === 0 && Date.now() < end)
    await sleep(200);
  await sleep(500);
});

afterAll(async () => {
  await runAs(LOCAL_LSF_USER, [
    program('lsf-docker'),
    '--config',
    config,
    'bkill',
    '-s',
    'KILL',
    String(jobId),
  ]);
  await removeContainersWithLabel(`lsf-docker.job=${jobId}`);
  await cleanupWorkspace();
  await rm(stateDir, { recursive: true, force: true });
});

const exec = (who: string, args: string[], env: Record<string, string> = {}) =>
  runAs(who, programArgv(who, 'docker_exec', ['--config', config, ...args]), { env, cwd: '/tmp' });

test("ps inside the job's container shows the job's processes, as the user", async () => {
  const r = await exec(LOCAL_LSF_USER, [String(jobId), 'ps', '-o', 'pid,user,args']);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/sleep 300/);
  // The job file LSF wrote, read as the user and run as the job script.
  expect(r.stdout).toMatch(/\/bin\/sh \/lsf-docker\/job\.sh/);
});

test("cat reads the job's own /tmp; id is the user; the exit code passes through", async () => {
  const r = await exec(LOCAL_LSF_USER, [String(jobId), 'cat /tmp/note; id -u; exit 6']);
  expect({ exit: r.exitCode, out: r.stdout }).toEqual({ exit: 6, out: `job-secret\n${user.uid}` });
});

test('the environment follows docker_run rules (newline values and HOSTNAME dropped)', async () => {
  const r = await exec(LOCAL_LSF_USER, [String(jobId), 'echo "[$MY_VAR] [$BAD] [$HOSTNAME]"'], {
    MY_VAR: 'kept',
    BAD: 'two\nlines',
    HOSTNAME: 'not-this',
  });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).not.toMatch(/not-this|two/);
  expect(r.stdout).toMatch(/^\[kept\] \[\] \[/);
});

test("another user's job is refused", async () => {
  const r = await exec(TEST_USER2, [String(jobId), 'cat /tmp/note']);
  expect(r.exitCode).toBe(227);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`docker_exec: JOBID: job ${jobId} belongs to another user`);
});

test('a job without a container, and a bad job id, are clear errors', async () => {
  const none = await exec(LOCAL_LSF_USER, ['999999998', 'true']);
  expect(none.exitCode).toBe(227);
  expect(none.stderr).toMatch(/job 999999998 has no container/);
  const bad = await exec(LOCAL_LSF_USER, ['12x', 'true']);
  expect(bad.exitCode).toBe(210);
  expect(bad.stderr).toMatch(/JOBID "12x" is not a job id/);
});

test("bsub -a 'docker_exec(JOBID)' runs the job's command in that job's container, through the esub", async () => {
  const r = await runAs(
    LOCAL_LSF_USER,
    [
      program('lsf-docker'),
      '--config',
      config,
      'bsub',
      '-I',
      '-a',
      `docker_exec(${jobId})`,
      'cat /tmp/note; exit 4',
    ],
    { cwd: work },
  );
  expect(r.exitCode).toBe(4);
  expect(r.stdout).toBe('job-secret');
  const refused = await runAs(
    TEST_USER2,
    [program('lsf-docker'), '--config', config, 'bsub', '-I', '-a', `docker_exec(${jobId})`, 'cat /tmp/note'],
    { cwd: '/tmp' },
  );
  expect(refused.exitCode).toBe(227);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toContain(`job ${jobId} belongs to another user`);
  const bad = await runAs(
    LOCAL_LSF_USER,
    [program('lsf-docker'), '--config', config, 'bsub', '-a', 'docker_exec(x1)', 'true'],
    {
      cwd: work,
    },
  );
  expect(bad.exitCode).not.toBe(0);
  expect(bad.stderr).toContain('esub.docker_exec: docker_exec(...) argument: "x1" is not a job id');
});

test('SIGTERM to docker_exec: the command in the container ends, no docker exec and no private dir stay', async () => {
  // Its own tmp_root, so its private dirs are counted apart from anything else's.
  const execTmp = `${stateDir}/exec-tmp`;
  const cfg = await writeConfig(
    `[paths]\ntmp_root = ${execTmp}\njob_tmp_root = ${stateDir}/jobtmp\n[job]\nterminate_interval = 2\n`,
  );
  const container = (await containersWithLabel(`lsf-docker.job=${jobId}`))[0]!;
  const inContainer = async () =>
    (await dockerOk(['top', container, '-eo', 'pid,args']))
      .split('\n')
      .filter((l) => /\ssleep 4711$/.test(l));
  const execCli = async () =>
    (await execa('ps', ['-eo', 'pid,args'], { reject: false })).stdout
      .split('\n')
      .filter((l) => l.includes('docker exec') && l.includes(container));
  const s = spawnAs(
    LOCAL_LSF_USER,
    [
      program('docker_exec'),
      '--config',
      cfg,
      String(jobId),
      "trap 'echo got-term > /tmp/exec-term; exit 3' TERM; sleep 4711 & wait; echo after",
    ],
    {
      cwd: '/tmp',
    },
  );
  const end = Date.now() + 20_000;
  while ((await inContainer()).length === 0 && Date.now() < end) await sleep(200);
  expect(await inContainer()).toHaveLength(1);
  expect(await readdir(execTmp)).toHaveLength(1); // the private dir with the env file, while it runs
  s.kill('SIGTERM');
  const r = await s.result;
  expect(r.exitCode).toBe(143);
  expect(r.stdout).not.toContain('after');
  expect(await readdir(execTmp)).toEqual([]);
  expect(await inContainer()).toEqual([]);
  expect(await execCli()).toEqual([]);
  // The command's shell got the SIGTERM itself (relayed, not only killed); the job is untouched.
  const still = await exec(LOCAL_LSF_USER, [String(jobId), 'cat /tmp/exec-term /tmp/note']);
  expect(still.stdout).toBe('got-term\njob-secret');
});
