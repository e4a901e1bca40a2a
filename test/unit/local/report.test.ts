import { describe, expect, test } from '@jest/globals';
import { timeInStates } from '../../../lib/local/bhist.js';
import { parseFormat, renderFormat, renderJson } from '../../../lib/local/bjobs-format.js';
import { renderBjobsLong, wrapItems } from '../../../lib/local/bjobs-long.js';
import { renderBjobsTable } from '../../../lib/local/bjobs-table.js';
import { TERM } from '../../../lib/local/job-finish.js';
import type { JobRecord } from '../../../lib/local/record.js';
import { renderOutputFile } from '../../../lib/local/report.js';

const t0 = new Date(2026, 0, 5, 10, 0, 0).getTime();
const rec = (over: Partial<JobRecord> = {}): JobRecord => ({
  id: 7,
  index: 0,
  name: 'Snakemake_rule_a:x=1___(4f2a)',
  user: 'alice',
  uid: 4201,
  home: '/home/alice',
  queue: 'normal',
  command: 'sleep 1000',
  words: ['sleep', '1000'],
  submitHost: 'vm',
  submitTime: t0,
  subcwd: '/home/alice/w',
  cwd: '/home/alice/w',
  slots: 1,
  ports: [],
  gpus: 0,
  status: 'RUN',
  startTime: t0 + 2000,
  execHost: 'vm',
  ...over,
});

describe('bjobs -o and -json', () => {
  test('Snakemake\'s "jobid stat", -noheader, widths, delimiter, LSF field names and aliases', () => {
    const rows = [rec(), rec({ id: 8, status: 'EXIT', exitCode: 130, exitReason: TERM.owner })];
    expect(renderFormat(rows, parseFormat('jobid stat'), true)).toBe('7 RUN\n8 EXIT\n');
    expect(renderFormat(rows, parseFormat('id stat exit_code'), false)).toBe(
      'JOBID STAT EXIT_CODE\n7     RUN  -\n8     EXIT 130\n',
    );
    expect(renderFormat(rows, parseFormat("jobid name:10 exit_reason delimiter=','"), true)).toBe(
      '7,*___(4f2a),-\n8,*___(4f2a),job killed by owner\n',
    );
    expect(renderFormat([rec()], parseFormat('jobid:-5 stat:'), false)).toBe('JOBID STAT\n    7 RUN\n');
    expect(() => parseFormat('jobid nosuchfield')).toThrow(/"nosuchfield" is not a field/);
  });
  test('-json: COMMAND, JOBS, RECORDS with the headers as keys and strings as values', () => {
    expect(JSON.parse(renderJson([rec()], parseFormat('jobid stat queue')))).toEqual({
      COMMAND: 'bjobs',
      JOBS: 1,
      RECORDS: [{ JOBID: '7', STAT: 'RUN', QUEUE: 'normal' }],
    });
  });
});

describe('bjobs tables', () => {
  test('the default table; -w keeps long names; -p adds the pending reason', () => {
    const table = renderBjobsTable([rec()]);
    expect(table).toMatch(
      /^JOBID {3}USER {4}STAT {2}QUEUE {6}FROM_HOST {3}EXEC_HOST {3}JOB_NAME {3}SUBMIT_TIME\n7 {7}alice {3}RUN {3}normal {5}vm {10}vm {10}\*___\(4f2a\) Jan {2}5 10:00\n$/,
    );
    expect(renderBjobsTable([rec()], { wide: true })).toContain('Snakemake_rule_a:x=1___(4f2a)');
    expect(
      renderBjobsTable([rec({ status: 'PEND', pendReason: 'Job slot limit reached' })], { reasons: true }),
    ).toMatch(/\n Job slot limit reached;\n$/);
  });
  test('bjobs -l: wrapped at 80 between items, so each "Key <value>" stays whole; no year', () => {
    const text = wrapItems(
      'Job <7>, Job Name <a very long name indeed for this job>, User <alice>, Project <default>, Status <RUN>, Queue <normal>',
    );
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(79);
    expect(text).toMatch(/Project <default>/);
    const long = renderBjobsLong(
      rec({ status: 'EXIT', exitCode: 130, endTime: t0 + 5000, exitReason: TERM.owner }),
    );
    expect(long).toMatch(
      /\nMon Jan {2}5 10:00:05: Exited with exit code 130\. The CPU time used is 0\.0 seconds\.\n/,
    );
    expect(long).toMatch(/Completed <exit>; TERM_OWNER: job killed by owner\./);
    expect(long).not.toMatch(/2026/);
  });
});

describe('the -o file', () => {
  test('TERM_ line of its own before the exit line; the summary rows; the failure in the header', () => {
    const text = renderOutputFile(
      rec({
        status: 'EXIT',
        exitCode: 130,
        endTime: t0 + 5000,
        exitReason: TERM.owner,
        memLimit: 256 * 1024 * 1024,
        usage: {
          cpuSeconds: 0.25,
          maxMemBytes: 78 * 1024 * 1024,
          avgMemBytes: 40 * 1024 * 1024,
          maxProcesses: 3,
          maxThreads: 4,
        },
        failure: 'docker_run: LSF_DOCKER_NETWORK: "x" is not an allowed network',
      }),
      'out\n',
      undefined,
    );
    expect(text).toMatch(/^TERM_OWNER: job killed by owner\.\nExited with exit code 130\.\n$/m);
    expect(text).toMatch(/^lsf-docker: docker_run: LSF_DOCKER_NETWORK: "x" is not an allowed network$/m);
    for (const row of [
      /^ {4}Max Memory : +78\.00 MB$/m,
      /^ {4}Average Memory : +40\.00 MB$/m,
      /^ {4}Total Requested Memory : +256\.00 MB$/m,
      /^ {4}Delta Memory : +178\.00 MB$/m,
      /^ {4}Max Swap : +-$/m,
      /^ {4}Max Processes : +3$/m,
      /^ {4}Max Threads : +4$/m,
    ])
      expect(text).toMatch(row);
  });
});

describe('bhist', () => {
  test('time in each state, from the events', () => {
    const r = rec({
      status: 'DONE',
      endTime: t0 + 20_000,
      events: [
        [t0, 'Submitted from host <vm>'],
        [t0 + 2000, 'Dispatched 1 Task(s) on Host(s) <vm>'],
        [t0 + 5000, 'Suspended by the user or administrator'],
        [t0 + 9000, 'Running'],
        [t0 + 20_000, 'Done successfully'],
      ],
    });
    expect(timeInStates(r, t0 + 30_000)).toEqual({
      PEND: 2,
      PSUSP: 0,
      RUN: 14,
      USUSP: 4,
      SSUSP: 0,
      UNKWN: 0,
      TOTAL: 20,
    });
  });
});
