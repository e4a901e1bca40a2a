/**
 * docker_run on a Slurm node: the scheduler is told apart by its variables, the LSB_* contract is
 * made from Slurm's facts, and the pure pipeline (parse -> policy) gives the container the job's
 * ids, node list, slots, tmpdir, GPUs and its lsf-docker.slurm label.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { ensureJobTmpdir, removeJobTmpdir } from '../../../lib/host/job-tmpdir.js';
import { jobEnvironmentOf } from '../../../lib/job/scheduler-env.js';
import { envFileEntries } from '../../../lib/kernel/env-entries.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { parseSlurmLabel, slurmLabel } from '../../../lib/kernel/labels.js';
import { createLogger } from '../../../lib/kernel/log/logger.js';
import { decideContainerSpec } from '../../../lib/policy/decide.js';
import { entryPair } from '../../../lib/policy/rules/environment.js';
import { parseJobRequest } from '../../../lib/request/parse.js';
import {
  schedulerJobOf,
  schedulerOf,
  slurmFactsOf,
  slurmJobEnvironment,
} from '../../../lib/request/scheduler-facts.js';
import { dir } from '../helpers/fake-host.js';
import { ALICE, testConfig, testHost } from '../helpers/fixtures.js';

/** A batch step of `bsub -J "a[1-2]" -n 2 -a docker(...)` on n1, as slurmstepd sets it (measured names). */
const BATCH: Record<string, string> = {
  ENVIRONMENT: 'BATCH',
  HOME: '/home/alice',
  PATH: '/usr/bin:/bin',
  LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox:latest',
  LSB_JOBNAME: 'a',
  SLURMD_NODENAME: 'n1',
  SLURM_ARRAY_JOB_ID: '27',
  SLURM_ARRAY_TASK_ID: '1',
  SLURM_CLUSTER_NAME: 'lsfd',
  SLURM_CPUS_ON_NODE: '2',
  SLURM_JOB_CPUS_PER_NODE: '2',
  SLURM_JOB_ID: '28',
  SLURM_JOB_NODELIST: 'n1',
  SLURM_JOB_PARTITION: 'debug',
  SLURM_JOB_USER: 'alice',
  SLURM_MEM_PER_NODE: '300',
  SLURM_NODEID: '0',
  SLURM_SUBMIT_DIR: '/home/alice/work',
  SLURM_SUBMIT_HOST: 'login1',
  TMPDIR: '/tmp',
};

describe('which scheduler started docker_run', () => {
  test.each<[Record<string, string>, string]>([
    [{ LSB_JOBID: '5' }, 'lsf'],
    [{ LSB_JOBID: '5', SLURM_JOB_ID: '9' }, 'lsf'],
    [{ SLURM_JOB_ID: '9' }, 'slurm'],
    [{ SLURM_JOB_ID: '' }, 'none'],
    [{}, 'none'],
  ])('%j -> %s', (env, kind) => {
    expect(schedulerOf(env)).toBe(kind);
  });

  test('LSF facts win: no Slurm facts are read under LSF', () => {
    expect(slurmFactsOf({ LSB_JOBID: '5', SLURM_JOB_ID: 'garbage' })).toBeUndefined();
  });

  test('a malformed SLURM_* variable is a request error (212) naming it', () => {
    expect(() => slurmFactsOf({ ...BATCH, SLURM_JOB_NODELIST: 'n[1-' })).toThrow(
      expect.objectContaining({
        code: ExitCode.BAD_REQUEST,
        message: expect.stringMatching(/^SLURM_JOB_NODELIST: /),
      }),
    );
    expect(() => slurmFactsOf({ ...BATCH, SLURM_CPUS_ON_NODE: 'two' })).toThrow(/^SLURM_CPUS_ON_NODE: "two"/);
  });
});

describe('the job as docker_run sees it', () => {
  const facts = slurmFactsOf(BATCH)!;
  const env = slurmJobEnvironment(
    { ...BATCH, LSB_HOSTS: 'forged', CUDA_VISIBLE_DEVICES: '0' },
    facts,
    '/tmp/27_1.tmpdir',
  );

  test('the LSB_* contract from the facts; a value the user exported never survives', () => {
    expect(env).toMatchObject({
      LSB_JOBID: '27',
      LSB_JOBINDEX: '1',
      LSB_JOBNAME: 'a[1]',
      LSB_QUEUE: 'debug',
      LSB_HOSTS: 'n1 n1',
      LSB_MCPU_HOSTS: 'n1 2',
      LS_SUBCWD: '/home/alice/work',
      LSB_EXEC_CLUSTER: 'lsfd',
      TMPDIR: '/tmp/27_1.tmpdir',
    });
    expect(env.CUDA_VISIBLE_DEVICES).toBeUndefined();
  });

  test('slots, tmpdir name and the label come from Slurm, not from LSF text', () => {
    expect(schedulerJobOf(facts)).toEqual({
      slots: 2,
      tmpdirName: '27_1.tmpdir',
      slurm: { jobId: 28, cluster: 'lsfd' },
    });
  });

  test('the pipeline: workdir, tmpdir as /tmp, the label, cpu shares by the node slots, the contract inside', () => {
    const host = testHost({ paths: { '/tmp/27_1.tmpdir': dir(ALICE.uid, 0o700) }, hostname: 'vm' });
    const request = parseJobRequest(env, ['hostname'], {
      cwd: '/home/alice/work',
      hostname: 'vm',
      scheduler: schedulerJobOf(facts),
    });
    const spec = decideContainerSpec({ request, config: testConfig(), identity: ALICE, probe: host });
    expect(spec.name).toBe('lsf_27_1_4242');
    expect(spec.labels).toContainEqual(['lsf-docker.slurm', '28@lsfd']);
    expect(spec.labels).toContainEqual(['lsf-docker.job', '27']);
    expect(spec.storage.workdir).toBe('/home/alice/work');
    expect(spec.storage.mounts).toContainEqual(
      expect.objectContaining({ source: '/tmp/27_1.tmpdir', target: '/tmp', origin: 'tmpdir' }),
    );
    expect(spec.resources.cpuShares).toBe(2 * testConfig().resources.cpuSharesPerSlot);
    const inside = new Map(envFileEntries(spec.process.envFile).map(entryPair));
    expect(inside.get('LSB_JOBID')).toBe('27');
    expect(inside.get('LSB_HOSTS')).toBe('n1 n1');
    expect(inside.get('TMPDIR')).toBe('/tmp');
  });

  test('GPUs Slurm allocated reach the container, and only those', () => {
    const gpuFacts = slurmFactsOf({ ...BATCH, SLURM_JOB_GPUS: '1' })!;
    const gpuEnv = slurmJobEnvironment(
      { ...BATCH, SLURM_JOB_GPUS: '1', CUDA_VISIBLE_DEVICES: '0,1,2' },
      gpuFacts,
    );
    const request = parseJobRequest(gpuEnv, ['nvidia-smi'], {
      cwd: '/home/alice/work',
      hostname: 'vm',
      scheduler: schedulerJobOf(gpuFacts),
    });
    const spec = decideContainerSpec({
      request,
      config: testConfig(),
      identity: ALICE,
      probe: testHost({ gpus: ['0', '1', '2'] }),
    });
    expect(spec.devices.gpus).toEqual({ kind: 'devices', ids: ['1'] });
  });
});

describe('the lsf-docker.slurm label', () => {
  test.each<[{ jobId: number; cluster?: string }, string]>([
    [{ jobId: 28, cluster: 'lsfd' }, '28@lsfd'],
    [{ jobId: 7 }, '7@'],
  ])('%j <-> %s', (job, text) => {
    expect(slurmLabel(job)).toBe(text);
    expect(parseSlurmLabel(text)).toEqual(job.cluster ? job : { jobId: job.jobId, cluster: undefined });
  });
  test.each(['', '28', '28@a b', 'x@lsfd', '-1@c', undefined])('not a label: %j', (text) => {
    expect(parseSlurmLabel(text)).toBeUndefined();
  });
});

describe('the job tmpdir docker_run makes for a Slurm job', () => {
  let root: string;
  const owner = { uid: process.getuid!(), gid: process.getgid!() };
  beforeEach(() => {
    root = mkdtempSync(`${tmpdir()}/lsfd-jobtmp-`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('made 0700, then removed with what the job left in it', () => {
    const made = ensureJobTmpdir(`${root}/28.tmpdir`, owner);
    expect(made).toEqual({ path: `${root}/28.tmpdir`, made: true });
    expect(statSync(`${root}/28.tmpdir`).mode & 0o777).toBe(0o700);
    writeFileSync(`${root}/28.tmpdir/scratch`, 'x');
    removeJobTmpdir(made as { path: string; made: boolean }, owner);
    expect(() => statSync(`${root}/28.tmpdir`)).toThrow();
  });

  test("the owner's own dir already there is used and left; anything else is not used", () => {
    const first = ensureJobTmpdir(`${root}/28.tmpdir`, owner);
    const second = ensureJobTmpdir(`${root}/28.tmpdir`, owner);
    expect(second).toEqual({ path: `${root}/28.tmpdir`, made: false });
    removeJobTmpdir(second as { path: string; made: boolean }, owner);
    expect(statSync(`${root}/28.tmpdir`).isDirectory()).toBe(true);
    removeJobTmpdir(first as { path: string; made: boolean }, owner);
    writeFileSync(`${root}/29.tmpdir`, '');
    expect(ensureJobTmpdir(`${root}/29.tmpdir`, owner)).toEqual({
      problem: 'already exists and is not a plain directory',
    });
    expect(ensureJobTmpdir(`${root}/none/30.tmpdir`, owner)).toMatchObject({ problem: /^cannot be made/ });
  });

  test('jobEnvironmentOf: LSF untouched; Slurm with the contract, the tmpdir only in a real run', () => {
    const config = testConfig((c) => {
      c.paths.jobTmpRoot = root;
    });
    const log = createLogger('test', 'CRITICAL');
    const lsf = { LSB_JOBID: '5', SLURM_JOB_ID: '9' };
    expect(jobEnvironmentOf(lsf, { config, owner: () => owner, makeTmpdir: true, log }).env).toBe(lsf);
    const dry = jobEnvironmentOf(BATCH, { config, owner: () => owner, makeTmpdir: false, log });
    expect(dry.tmpdir).toBeUndefined();
    expect(dry.env.TMPDIR).toBe(`${root}/27_1.tmpdir`);
    const real = jobEnvironmentOf(BATCH, { config, owner: () => owner, makeTmpdir: true, log });
    expect(real.tmpdir).toEqual({ path: `${root}/27_1.tmpdir`, made: true });
    expect(real.scheduler?.slots).toBe(2);
    removeJobTmpdir(real.tmpdir, owner);
    const blocked = testConfig((c) => {
      c.paths.jobTmpRoot = `${root}/absent`;
    });
    const none = jobEnvironmentOf(BATCH, { config: blocked, owner: () => owner, makeTmpdir: true, log });
    expect(none.tmpdir).toBeUndefined();
    expect(none.env.TMPDIR).toBe('/tmp');
  });
});
