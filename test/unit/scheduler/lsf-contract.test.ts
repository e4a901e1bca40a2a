import type { DispatchedJob } from '../../../lib/scheduler/job.js';
import { ESUB_ENV, isJobVariable, JOB_ENV, SUBMISSION } from '../../../lib/scheduler/lsf/contract.js';
import { jobEnvironment, lsfJobEnvironment } from '../../../lib/scheduler/lsf/job-environment.js';
import { escalationDelay, TERMINATE_SEQUENCE, terminate } from '../../../lib/scheduler/lsf/terminate.js';

const job: DispatchedJob = {
  id: 42,
  index: 3,
  name: 'arr[3]',
  queue: 'normal',
  user: 'alice',
  submitHost: 'sub',
  cluster: 'local',
  hosts: [{ host: 'h', slots: 2 }],
  submitDir: '/home/alice/w',
  execDir: '/home/alice/w',
  jobFile: '/home/alice/.lsbatch/1.42.3',
  tmpdir: '/tmp/42_3.tmpdir',
  defaultSelection: 'select[type == local]',
  gpus: [],
  interactive: false,
};

describe('the LSF contract tables', () => {
  test('every name is LSB_*, LS_* or one LSF sets for the job (TMPDIR, CUDA_VISIBLE_DEVICES)', () => {
    for (const name of [...Object.keys(JOB_ENV), ...Object.keys(SUBMISSION), ...Object.keys(ESUB_ENV)])
      expect(name).toMatch(/^(LSB_|LS_|TMPDIR$|CUDA_VISIBLE_DEVICES$)/);
  });

  test('every entry says who writes, who reads, what it means', () => {
    for (const e of [...Object.values(JOB_ENV), ...Object.values(SUBMISSION), ...Object.values(ESUB_ENV)]) {
      expect(e.writer).not.toBe('');
      expect(e.readers).not.toBe('');
      expect(e.meaning).not.toBe('');
    }
  });

  test('whatever the job environment writes is a JOB_ENV name', () => {
    const written = lsfJobEnvironment({
      ...job,
      resourceRequest: 'rusage[mem=1]',
      gpus: [0, 1],
      interactive: true,
      app: 'docker',
      outFile: '/o',
      errFile: '/e',
    });
    for (const name of Object.keys(written)) expect(isJobVariable(name)).toBe(true);
  });
});

describe('the job environment sbatchd builds', () => {
  test('LSF variables replace the submitted ones; others pass', () => {
    const env = jobEnvironment(
      { PATH: '/bin', LSB_JOBID: 'forged', LSB_SUB_RES_REQ: 'old', LS_JOBPID: '1' },
      job,
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      LSB_JOBID: '42',
      LSB_JOBINDEX: '3',
      LSB_HOSTS: 'h h',
      LSB_MCPU_HOSTS: 'h 2',
      LSB_DJOB_NUMPROC: '2',
      LSB_BATCH_JID: '42[3]',
      LSB_EFFECTIVE_RSRCREQ: 'select[type == local]',
    });
    expect(env.LSB_SUB_RES_REQ).toBeUndefined();
    expect(env.LS_JOBPID).toBeUndefined();
    expect(env.CUDA_VISIBLE_DEVICES).toBeUndefined();
  });

  test('GPUs: the allocation is in the effective request and CUDA_VISIBLE_DEVICES', () => {
    const env = lsfJobEnvironment({ ...job, resourceRequest: 'rusage[mem=4G]', gpus: [2, 3] });
    expect(env.LSB_EFFECTIVE_RSRCREQ).toBe('rusage[mem=4G] rusage[ngpus_physical=2]');
    expect(env.CUDA_VISIBLE_DEVICES).toBe('2,3');
    expect(env.LSB_SUB_RES_REQ).toBe('rusage[mem=4G]');
  });
});

describe('the terminate sequence', () => {
  test('SIGINT, interval, SIGTERM, interval, SIGKILL', async () => {
    const events: string[] = [];
    await terminate(
      (s) => events.push(s),
      7,
      () => false,
      async (ms) => events.push(`wait ${ms}`),
    );
    expect(TERMINATE_SEQUENCE).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    expect(events).toEqual(['SIGINT', 'wait 7000', 'SIGTERM', 'wait 7000', 'SIGKILL']);
  });

  test('stops once the job is gone', async () => {
    const events: string[] = [];
    await terminate(
      (s) => events.push(s),
      1,
      () => events.length >= 1,
      async () => undefined,
    );
    expect(events).toEqual(['SIGINT']);
  });

  test('the container is removed before SIGKILL would come', () => {
    expect(escalationDelay(10)).toBe(9);
    expect(escalationDelay(1)).toBe(0.5);
    expect(escalationDelay(0)).toBe(0.2);
  });
});
