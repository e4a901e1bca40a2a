import { describe, expect, test } from '@jest/globals';
import {
  LSB_CONTRACT_NAMES,
  lsbContractFromSlurm,
  withLsbContract,
} from '../../../../lib/scheduler/slurm/contract.js';
import { SlurmFactsError, slurmJobFacts } from '../../../../lib/scheduler/slurm/facts.js';

/** The batch environment measured for `sbatch --array=1-2 -n 2 --mem=300` (task 1, job 28). */
const ARRAY_BATCH = {
  ENVIRONMENT: 'BATCH',
  HOME: '/home/lsfd-test',
  SLURMD_NODENAME: 'n1',
  SLURM_ARRAY_JOB_ID: '27',
  SLURM_ARRAY_TASK_COUNT: '2',
  SLURM_ARRAY_TASK_ID: '1',
  SLURM_ARRAY_TASK_MAX: '2',
  SLURM_ARRAY_TASK_MIN: '1',
  SLURM_ARRAY_TASK_STEP: '1',
  SLURM_CLUSTER_NAME: 'lsfd',
  SLURM_CONF: '/var/lib/lsf-docker-slurm/etc/slurm.conf',
  SLURM_CPUS_ON_NODE: '2',
  SLURM_GTIDS: '0',
  SLURM_JOBID: '28',
  SLURM_JOB_CPUS_PER_NODE: '2',
  SLURM_JOB_GID: '4201',
  SLURM_JOB_ID: '28',
  SLURM_JOB_NAME: 'envd',
  SLURM_JOB_NODELIST: 'n1',
  SLURM_JOB_NUM_NODES: '1',
  SLURM_JOB_PARTITION: 'debug',
  SLURM_JOB_UID: '4201',
  SLURM_JOB_USER: 'lsfd-test',
  SLURM_LOCALID: '0',
  SLURM_MEM_PER_NODE: '300',
  SLURM_NNODES: '1',
  SLURM_NODEID: '0',
  SLURM_NODELIST: 'n1',
  SLURM_NODE_ALIASES: '(null)',
  SLURM_NPROCS: '2',
  SLURM_NTASKS: '2',
  SLURM_PRIO_PROCESS: '0',
  SLURM_PROCID: '0',
  SLURM_SUBMIT_DIR: '/home/lsfd-test/work',
  SLURM_SUBMIT_HOST: 'vm',
  SLURM_TASKS_PER_NODE: '2',
  SLURM_TASK_PID: '24686',
  SLURM_TOPOLOGY_ADDR: 'n1',
  SLURM_TOPOLOGY_ADDR_PATTERN: 'node',
  SLURM_WORKING_CLUSTER: 'lsfd:127.0.0.1:16817:9728:109',
  TMPDIR: '/tmp',
};

/** One task of `srun --whole --ntasks-per-node=1 -N3 -n3` in a `-n 5` job (measured, node n2). */
const STEP_ON_N2 = {
  ENVIRONMENT: 'BATCH',
  SLURMD_NODENAME: 'n2',
  SLURM_JOB_ID: '39',
  SLURM_JOB_NAME: 'sh',
  SLURM_JOB_PARTITION: 'debug',
  SLURM_JOB_NODELIST: 'n[1-3]',
  SLURM_JOB_CPUS_PER_NODE: '2(x2),1',
  SLURM_TASKS_PER_NODE: '1(x3)',
  SLURM_NTASKS: '3',
  SLURM_CPUS_ON_NODE: '2',
  SLURM_MEM_PER_CPU: '1000',
  SLURM_NODEID: '1',
  SLURM_PROCID: '1',
  SLURM_STEP_ID: '0',
  SLURM_STEP_NODELIST: 'n[1-3]',
  SLURM_STEP_NUM_TASKS: '3',
  SLURM_SUBMIT_DIR: '/home/lsfd-test/work',
  SLURM_SUBMIT_HOST: 'vm',
  SLURM_JOB_USER: 'lsfd-test',
  SLURM_CLUSTER_NAME: 'lsfd',
};

describe('slurmJobFacts', () => {
  test('outside Slurm: undefined', () => {
    expect(slurmJobFacts({})).toBeUndefined();
    expect(slurmJobFacts({ LSB_JOBID: '5', SLURM_CONF: '/x' })).toBeUndefined();
  });

  test('an array task in its batch script', () => {
    expect(slurmJobFacts(ARRAY_BATCH)).toEqual({
      slurmJobId: 28,
      jobId: 27,
      arrayJobId: 27,
      index: 1,
      name: 'envd',
      partition: 'debug',
      user: 'lsfd-test',
      cluster: 'lsfd',
      submitDir: '/home/lsfd-test/work',
      submitHost: 'vm',
      nodeName: 'n1',
      nodeIndex: 0,
      nodeListText: 'n1',
      nodes: ['n1'],
      cpusPerNode: [2],
      slots: 2,
      cpusOnNode: 2,
      ntasks: 2,
      memoryBytes: 300 * 1024 * 1024,
      gpus: [],
      step: undefined,
      interactive: false,
      tmpdir: '/tmp',
      tmpdirLeaf: '27_1.tmpdir',
    });
  });

  test('a task of the container-per-node step: the job slots survive the step', () => {
    const f = slurmJobFacts(STEP_ON_N2)!;
    expect(f).toMatchObject({
      jobId: 39,
      index: 0,
      nodes: ['n1', 'n2', 'n3'],
      cpusPerNode: [2, 2, 1],
      slots: 5,
      ntasks: 3,
      cpusOnNode: 2,
      nodeIndex: 1,
      nodeName: 'n2',
      memoryBytes: 2000 * 1024 * 1024,
      step: { id: 0, rank: 1, tasks: 3, nodes: ['n1', 'n2', 'n3'] },
      interactive: false,
      tmpdirLeaf: '39.n2.tmpdir',
    });
  });

  test('a plain job; interactive srun (no ENVIRONMENT=BATCH); the node list fallback', () => {
    const f = slurmJobFacts({ SLURM_JOB_ID: '7', SLURM_NODELIST: 'n3', SLURM_STEP_ID: '0' })!;
    expect(f).toMatchObject({
      jobId: 7,
      index: 0,
      nodes: ['n3'],
      slots: 1,
      cpusOnNode: 1,
      interactive: true,
    });
    expect(f.tmpdirLeaf).toBe('7.tmpdir');
    expect(f.memoryBytes).toBeUndefined();
  });

  test('the name: the exported LSB_JOBNAME, else SLURM_JOB_NAME outside steps', () => {
    const { SLURM_JOB_NAME: _, ...noName } = ARRAY_BATCH;
    expect(slurmJobFacts({ ...noName, LSB_JOBNAME: 'a' })!.name).toBe('a');
    expect(slurmJobFacts({ ...noName, LSB_JOBNAME: 'a[1]' })!.name).toBe('a');
    expect(slurmJobFacts({ ...noName, LSB_JOBNAME: 'a[2]' })!.name).toBe('a[2]');
    expect(slurmJobFacts({ ...ARRAY_BATCH, LSB_JOBNAME: 'mine' })!.name).toBe('mine');
    expect(slurmJobFacts(noName)!.name).toBeUndefined();
    // In a step, SLURM_JOB_NAME is the step's program (measured: "starter.mjs").
    expect(slurmJobFacts({ ...STEP_ON_N2, SLURM_JOB_NAME: 'docker_run' })!.name).toBeUndefined();
    expect(slurmJobFacts({ ...STEP_ON_N2, LSB_JOBNAME: 'multi' })!.name).toBe('multi');
  });

  test('GPUs: the step ids in a step, else the job ids; CUDA_VISIBLE_DEVICES is never read', () => {
    const base = { ...ARRAY_BATCH, SLURM_JOB_GPUS: '2,3', CUDA_VISIBLE_DEVICES: '0,1' };
    expect(slurmJobFacts(base)!.gpus).toEqual(['2', '3']);
    expect(slurmJobFacts({ ...base, SLURM_STEP_ID: '0', SLURM_STEP_GPUS: '3' })!.gpus).toEqual(['3']);
    expect(slurmJobFacts({ ...base, SLURM_JOB_GPUS: '' })!.gpus).toEqual([]);
    expect(slurmJobFacts({ ...ARRAY_BATCH, CUDA_VISIBLE_DEVICES: '0' })!.gpus).toEqual([]);
  });

  test.each([
    [{ SLURM_JOB_ID: 'x' }, 'SLURM_JOB_ID'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: '' }, 'SLURM_NODELIST'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-' }, 'SLURM_JOB_NODELIST'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_ARRAY_TASK_ID: '2' }, 'SLURM_ARRAY_JOB_ID'],
    [
      { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_ARRAY_JOB_ID: '1', SLURM_ARRAY_TASK_ID: '-1' },
      'SLURM_ARRAY_TASK_ID',
    ],
    [
      { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n[1-2]', SLURM_JOB_CPUS_PER_NODE: '2' },
      'SLURM_JOB_CPUS_PER_NODE',
    ],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_NODEID: '1' }, 'SLURM_NODEID'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURMD_NODENAME: '../x' }, 'SLURMD_NODENAME'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_MEM_PER_NODE: '300M' }, 'SLURM_MEM_PER_NODE'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_JOB_GPUS: '0,/dev/sda' }, 'SLURM_JOB_GPUS'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'n1', SLURM_STEP_ID: 'batch' }, 'SLURM_STEP_ID'],
  ])('%j is an error naming %s', (env, variable) => {
    let err: unknown;
    try {
      slurmJobFacts(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SlurmFactsError);
    expect((err as SlurmFactsError).variable).toBe(variable);
    expect((err as Error).message).toMatch(new RegExp(`^${variable}: `));
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('lsbContractFromSlurm', () => {
  test('an array task: the names lib/local/job-env.ts sets', () => {
    expect(lsbContractFromSlurm(slurmJobFacts(ARRAY_BATCH)!)).toEqual({
      LSB_JOBID: '27',
      LSB_JOBINDEX: '1',
      LSB_JOBNAME: 'envd[1]',
      LSB_QUEUE: 'debug',
      LSB_HOSTS: 'n1 n1',
      LSB_MCPU_HOSTS: 'n1 2',
      LSB_DJOB_NUMPROC: '2',
      LSB_MAX_NUM_PROCESSORS: '2',
      LS_SUBCWD: '/home/lsfd-test/work',
      LS_EXECCWD: '/home/lsfd-test/work',
      LSB_SUB_HOST: 'vm',
      LSB_EXEC_CLUSTER: 'lsfd',
      LSB_JOB_EXECUSER: 'lsfd-test',
      LSB_BATCH_JID: '27[1]',
      LSB_EFFECTIVE_RSRCREQ: 'select[type == any]',
    });
  });

  test('a multi-node step: every node with its slots, on every node', () => {
    const c = lsbContractFromSlurm(slurmJobFacts(STEP_ON_N2)!);
    expect(c).toMatchObject({
      LSB_JOBID: '39',
      LSB_JOBINDEX: '0',
      LSB_HOSTS: 'n1 n1 n2 n2 n3',
      LSB_MCPU_HOSTS: 'n1 2 n2 2 n3 1',
      LSB_DJOB_NUMPROC: '5',
      LSB_BATCH_JID: '39',
    });
    expect(c.LSB_INTERACTIVE).toBeUndefined();
  });

  test('GPUs: CUDA_VISIBLE_DEVICES and the effective request docker_run trusts', () => {
    const c = lsbContractFromSlurm(slurmJobFacts({ ...ARRAY_BATCH, SLURM_JOB_GPUS: '1,3' })!);
    expect(c.CUDA_VISIBLE_DEVICES).toBe('1,3');
    expect(c.LSB_EFFECTIVE_RSRCREQ).toBe('select[type == any] rusage[ngpus_physical=2]');
  });

  test('interactive, tmpdir', () => {
    const c = lsbContractFromSlurm(slurmJobFacts({ SLURM_JOB_ID: '7', SLURM_NODELIST: 'n3' })!, {
      tmpdir: '/scratch/7.tmpdir',
    });
    expect(c).toMatchObject({ LSB_INTERACTIVE: 'Y', TMPDIR: '/scratch/7.tmpdir' });
    expect(c.LSB_JOBNAME).toBeUndefined();
  });

  test('withLsbContract: values the user exported never survive', () => {
    const exported = Object.fromEntries(LSB_CONTRACT_NAMES.map((n) => [n, 'forged']));
    const env = withLsbContract(
      { ...ARRAY_BATCH, ...exported, TMPDIR: '/tmp', KEEP: 'me' },
      lsbContractFromSlurm(slurmJobFacts(ARRAY_BATCH)!),
    );
    for (const n of LSB_CONTRACT_NAMES) expect(env[n]).not.toBe('forged');
    expect(env.CUDA_VISIBLE_DEVICES).toBeUndefined();
    expect(env.LSB_INTERACTIVE).toBeUndefined();
    expect(env).toMatchObject({ KEEP: 'me', TMPDIR: '/tmp', LSB_JOBID: '27' });
  });
});
