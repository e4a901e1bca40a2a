/**
 * The Slurm back-end's commands, their pure parts: bsub's submission in the adapter's terms
 * (refusals by name, the job starter, the job environment), bkill's plan, bjobs' and bpeek's
 * view of squeue's records, and bsub -I's reading of srun's stderr.
 */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { parseBsubArgs } from '../../../lib/scheduler/lsf/bsub-options.js';
import { DEFAULT_OUTPUT, expandOutputPattern } from '../../../lib/scheduler/slurm/patterns.js';
import { classifySrunLine, mayBeSrunLine } from '../../../lib/scheduler/slurm/srun-output.js';
import type { SlurmJobRecord } from '../../../lib/scheduler/slurm/states.js';
import { SrunStderr, verboseSrun } from '../../../lib/slurm/interactive.js';
import { outputFileOf } from '../../../lib/slurm/jobs.js';
import { planKill } from '../../../lib/slurm/kill-plan.js';
import { endLine, execHost, renderBjobsLong, renderBjobsTable } from '../../../lib/slurm/report.js';
import { jobEnvironment, refuseUnmapped, requestOf, starterOf } from '../../../lib/slurm/submission.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error('not refused');
};

describe('bsub on Slurm: the submission', () => {
  test('-G and the local supervisor option are refused by name', () => {
    expect(refusal(() => refuseUnmapped(parseBsubArgs(['-G', 'lab', 'true'])))).toMatchObject({
      code: ExitCode.USAGE,
      message: expect.stringMatching(
        /^bsub -G lab: LSF user groups have no Slurm equivalent .*Job not submitted\.$/,
      ),
    });
    expect(() => refuseUnmapped(parseBsubArgs(['--lsf-docker-supervise', 'x']))).toThrow(/unknown option/);
    expect(() => refuseUnmapped(parseBsubArgs(['-q', 'debug', '-n', '2', 'true']))).not.toThrow();
  });

  test.each<[string | undefined, 'direct' | 'sudo', string[] | undefined]>([
    ['docker', 'direct', ['/p/bin/docker_run', '--config', '/etc/c.conf', '--']],
    // Through the user-side step, which carries the job's whole environment across sudo.
    ['docker', 'sudo', ['/p/bin/lsf-docker', 'sudo', 'docker_run', '--config', '/etc/c.conf', '--']],
    ['docker_build', 'sudo', ['/p/bin/lsf-docker', 'sudo', 'docker_build', '--config', '/etc/c.conf', '--']],
    ['docker_build', 'direct', ['/p/bin/docker_build', '--config', '/etc/c.conf', '--']],
    [undefined, 'direct', undefined],
  ])('the starter of application %s (%s)', (app, mode, words) => {
    const s = starterOf(app, { binDir: '/p/bin', config: '/etc/c.conf', mode });
    expect(s && [...(s.prefix ?? []), s.path, ...(s.config ? ['--config', s.config] : []), '--']).toEqual(
      words,
    );
  });

  test('docker_exec and unknown profiles are refused by name', () => {
    expect(refusal(() => starterOf('docker_exec', { binDir: '/p', mode: 'direct' })).message).toMatch(
      /^bsub -a docker_exec\(\.\.\.\): the target job's container is on that job's node/,
    );
    expect(refusal(() => starterOf('gpu', { binDir: '/p', mode: 'direct' })).message).toBe(
      'gpu: Application profile does not exist (known on Slurm: docker, docker_build). Job not submitted.',
    );
  });

  test("the job environment: LSF's own job variables and Slurm's input variables dropped, the name added", () => {
    const env = jobEnvironment(
      {
        LSB_CONTAINER_IMAGE: 'img',
        LSF_DOCKER_VOLUMES: '/a:/a',
        LSB_JOBID: '5',
        LS_SUBCWD: '/x',
        TMPDIR: '/tmp/old',
        SLURM_JOB_GPUS: '0,1',
        SBATCH_PARTITION: 'nosuch',
        HOME: '/home/u',
      },
      { LSB_JOBNAME: 'a' },
    );
    expect(env).toEqual({
      LSB_CONTAINER_IMAGE: 'img',
      LSF_DOCKER_VOLUMES: '/a:/a',
      HOME: '/home/u',
      LSB_JOBNAME: 'a',
    });
  });

  test('a value Slurm cannot start a job with (128 KiB) is refused by name', () => {
    expect(refusal(() => jobEnvironment({ BIG: 'x'.repeat(128 * 1024) }, {})).message).toMatch(
      /^bsub: environment variable BIG is 131072 bytes: Slurm cannot start a job/,
    );
    expect(() => jobEnvironment({ BIG: 'x'.repeat(128 * 1024 - 1) }, {})).not.toThrow();
  });

  test('the request: -cwd made absolute, -K left to bsub', () => {
    const args = parseBsubArgs(['-K', '-cwd', 'sub', '-n', '4', '-o', 'o.%J', 'echo', 'hi']);
    expect(requestOf(args, '/home/u/w')).toMatchObject({
      command: ['echo', 'hi'],
      cwd: '/home/u/w/sub',
      slots: 4,
      output: { path: 'o.%J', overwrite: false },
    });
    expect(requestOf(args, '/home/u/w')).not.toHaveProperty('wait');
  });
});

const rec = (over: Partial<SlurmJobRecord>): SlurmJobRecord => ({
  slurmId: 12,
  id: 12,
  index: 0,
  name: 'job',
  user: 'alice',
  uid: 4201,
  slurmState: ['RUNNING'],
  state: 'RUN',
  partition: 'debug',
  nodeList: 'n1',
  nodes: ['n1'],
  cpus: 1,
  workDir: '/home/alice/w',
  submitTime: 1_796_000_000,
  startTime: 1_796_000_001,
  ...over,
});
const array = [
  rec({ slurmId: 13, index: 1, name: 'a', state: 'DONE', slurmState: ['COMPLETED'], exitCode: 0 }),
  rec({ slurmId: 14, index: 2, name: 'a' }),
  rec({ slurmId: 12, index: 3, name: 'a', state: 'PEND', nodes: [], nodeList: '' }),
];

describe('bkill on Slurm: what is cancelled', () => {
  test('a whole array by its id, one element by ID_INDEX, unknown and finished ones told', () => {
    const done = rec({ slurmId: 20, id: 20, state: 'EXIT', slurmState: ['FAILED'], exitCode: 3 });
    const records = [...array, done];
    expect(planKill(records, [{ id: 12 }])).toEqual({
      slurmIds: ['12'],
      killed: ['12'],
      notFound: [],
      finished: [],
    });
    expect(planKill(records, [{ id: 12, index: 2 }, { id: 12, index: 1 }, { id: 99 }, { id: 20 }])).toEqual({
      slurmIds: ['12_2'],
      killed: ['12[2]'],
      notFound: ['99'],
      finished: ['12[1]', '20'],
    });
  });

  test('bkill 0: every unfinished job of the user, each once', () => {
    expect(planKill([...array, rec({ slurmId: 30, id: 30 })], 'all')).toEqual({
      slurmIds: ['12', '30'],
      killed: ['12', '30'],
      notFound: [],
      finished: [],
    });
  });
});

describe('bjobs on Slurm: the records as LSF shows them', () => {
  test('the table: LSF states, element names, N*NODE, FROM_HOST unknown', () => {
    const text = renderBjobsTable([
      ...array,
      rec({ id: 40, slurmId: 40, cpus: 4, nodes: ['n1', 'n2'], nodeList: 'n[1-2]' }),
    ]);
    const rows = text.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^JOBID\s+USER\s+STAT\s+QUEUE\s+FROM_HOST\s+EXEC_HOST\s+JOB_NAME\s+SUBMIT_TIME$/);
    expect(rows[1]).toMatch(/^12\s+alice\s+DONE\s+debug\s+-\s+n1\s+a\[1\]\s/);
    expect(rows[3]).toMatch(/^12\s+alice\s+PEND\s+debug\s+-\s+a\[3\]\s/);
    expect(rows[4]).toMatch(/^40\s+alice\s+RUN\s+debug\s+-\s+n\[1-2\]\s+job\s/);
    expect(execHost(rec({ cpus: 2 }))).toBe('2*n1');
  });

  test('how an element ended, in LSF words', () => {
    expect(endLine(rec({ state: 'DONE', exitCode: 0 }))).toBe('Done successfully.');
    expect(endLine(rec({ state: 'EXIT', exitCode: 3 }))).toBe('Exited with exit code 3.');
    expect(endLine(rec({ state: 'EXIT', exitCode: 5, exitReason: 'TERM_OWNER: job killed by owner' }))).toBe(
      'Exited with exit code 5. (TERM_OWNER: job killed by owner)',
    );
    expect(endLine(rec({ state: 'EXIT', exitReason: 'its node failed (Slurm NODE_FAIL)' }))).toBe(
      'Exited (its node failed (Slurm NODE_FAIL)).',
    );
  });

  test('bjobs -l: ids, the expanded output file, start, end, and Slurm own words', () => {
    const r = rec({
      slurmId: 14,
      index: 2,
      name: 'a',
      state: 'EXIT',
      slurmState: ['FAILED'],
      reason: 'NonZeroExitCode',
      exitCode: 3,
      endTime: 1_796_000_005,
      stdoutPath: '/home/alice/w/out.%A_%a',
      cluster: 'lsfd',
    });
    const text = renderBjobsLong(r);
    expect(text).toContain(
      'Job <12[2]>, Job Name <a[2]>, User <alice>, Project <default>, Status <EXIT>, Queue <debug>',
    );
    expect(text).toContain(
      'Submitted to cluster <lsfd>, CWD </home/alice/w>, Output File </home/alice/w/out.12_2>;',
    );
    expect(text).toContain('Started 1 Task(s) on Host(s) <n1>');
    expect(text).toMatch(/: Exited with exit code 3\.\n/);
    expect(text).toContain(' SLURM: job 14, state FAILED, reason NonZeroExitCode');
  });

  test.each<[string | undefined, Partial<SlurmJobRecord>, string | undefined]>([
    ['/w/out.%A_%a', { slurmId: 14, index: 2 }, '/w/out.12_2'],
    ['/w/out.%j', { slurmId: 12 }, '/w/out.12'],
    ['o/%x-%u-%N.%4j', {}, '/home/alice/w/o/job-alice-n1.0012'],
    ['/w/100%%.%j', {}, '/w/100%.12'],
    [undefined, {}, '/home/alice/w/slurm-12.out'],
    [undefined, { slurmId: 14, index: 2 }, '/home/alice/w/slurm-12_2.out'],
    ['/w/%s.%t', {}, undefined],
    ['/w/\\%j', {}, undefined],
  ])('output file of pattern %s', (pattern, over, file) => {
    expect(outputFileOf(rec({ stdoutPath: pattern, ...over }))).toBe(file);
  });

  test('patterns: a relative one without a working dir cannot be placed', () => {
    expect(
      expandOutputPattern(DEFAULT_OUTPUT(false), { ...rec({ workDir: undefined }), arrayJob: false }),
    ).toBeUndefined();
  });
});

describe("bsub -I: srun's stderr", () => {
  test.each<[string, ReturnType<typeof classifySrunLine>]>([
    ["srun: jobid 73: nodes(1):`n1', cpu counts: 1(x1)", { kind: 'allocated', jobId: 73, nodes: 'n1' }],
    [
      "srun: jobid 80: nodes(2):`n[1-2]', cpu counts: 2(x2)",
      { kind: 'allocated', jobId: 80, nodes: 'n[1-2]' },
    ],
    ['srun: job 74 queued and waiting for resources', { kind: 'queued', jobId: 74 }],
    ['srun: defined options', { kind: 'noise' }],
    ['srun: launching StepId=73.0 on host n1, 1 tasks: 0', { kind: 'noise' }],
    ['srun: error: n1: task 0: Exited with exit code 4', { kind: 'noise' }],
    ['srun: error: Unable to allocate resources: Invalid partition name specified', { kind: 'show' }],
    ['the job says srun', { kind: 'show' }],
  ])('%s', (line, kind) => {
    expect(classifySrunLine(line)).toEqual(kind);
  });

  test("srun's lines become LSF's messages; the job's stderr passes, partial lines at once unless they may be srun's", () => {
    const seen: string[] = [];
    const s = new SrunStderr('debug', (t) => seen.push(t));
    s.push('srun: defined options\nsrun: job 74 queued and waiting for resources\nsrun: jobid 74: nodes(1)');
    s.push(":`n2', cpu counts: 1(x1)\nsrun: launching StepId=74.0\nerr line\nprompt> ");
    s.push('sr');
    s.push('un: error: n2: task 0: Exited with exit code 4\nlast');
    s.end();
    expect(seen).toEqual([
      'Job <74> is submitted to queue <debug>.\n<<Waiting for dispatch ...>>\n',
      '<<Starting on n2>>\n',
      'err line\n',
      'prompt> ',
      'last',
    ]);
    expect(s.jobId).toBe(74);
    expect(s.started).toBe(true);
    expect(mayBeSrunLine('srun')).toBe(true);
    expect(mayBeSrunLine('output')).toBe(false);
  });

  test("srun's errors before the job runs are kept for bsub's one line, not shown", () => {
    const seen: string[] = [];
    const s = new SrunStderr(undefined, (t) => seen.push(t));
    s.push('srun: error: Unable to allocate resources: Invalid partition name specified\n');
    s.end();
    expect(seen).toEqual([]);
    expect(s.lastError).toMatch(/Invalid partition name/);
    expect(verboseSrun(['srun', '--job-name=x', '--', 'sh'])).toEqual([
      'srun',
      '-v',
      '--job-name=x',
      '--',
      'sh',
    ]);
  });
});
