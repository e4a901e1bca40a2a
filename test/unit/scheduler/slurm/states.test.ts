import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  bsubWaitStatus,
  fromExitCodeText,
  fromWaitStatus,
  lsfExitCode,
  lsfState,
  parseSqueueJson,
  type SlurmJobRecord,
  SqueueFormatError,
} from '../../../../lib/scheduler/slurm/states.js';

/** Real `squeue --json` output of Slurm 22.05.8 on the test cluster (jobs measured in notes/slurm-adapter.md). */
const FIXTURE = readFileSync(new URL('../../../fixtures/slurm/squeue-22.05.json', import.meta.url), 'utf8');

describe('lsfState', () => {
  test.each<[string | string[], string | undefined, string]>([
    ['PENDING', 'Priority', 'PEND'],
    ['PENDING', 'JobArrayTaskLimit', 'PEND'],
    ['PENDING', 'JobHeldUser', 'PSUSP'],
    ['PENDING', 'JobHeldAdmin', 'PSUSP'],
    ['CONFIGURING', undefined, 'PEND'],
    ['REQUEUED', undefined, 'PEND'],
    ['RUNNING', undefined, 'RUN'],
    ['COMPLETING', undefined, 'RUN'],
    [['CANCELLED', 'COMPLETING'], undefined, 'RUN'],
    ['RUNNING+COMPLETING', undefined, 'RUN'],
    ['SUSPENDED', undefined, 'USUSP'],
    ['SUSPENDED', 'Preempted', 'SSUSP'],
    ['STOPPED', undefined, 'USUSP'],
    ['COMPLETED', undefined, 'DONE'],
    ['FAILED', 'NonZeroExitCode', 'EXIT'],
    ['CANCELLED', undefined, 'EXIT'],
    ['TIMEOUT', undefined, 'EXIT'],
    ['NODE_FAIL', undefined, 'EXIT'],
    ['OUT_OF_MEMORY', undefined, 'EXIT'],
    ['PREEMPTED', undefined, 'EXIT'],
    ['BOOT_FAIL', undefined, 'EXIT'],
    [['COMPLETED'], undefined, 'DONE'],
    ['completed', undefined, 'DONE'],
    ['WHATEVER', undefined, 'UNKWN'],
    [[], undefined, 'UNKWN'],
  ])('%j (%s) -> %s', (state, reason, lsf) => {
    expect(lsfState(state, reason)).toBe(lsf);
  });
});

describe('exit statuses', () => {
  test.each([
    [0, { code: 0, signal: 0 }, 0],
    [768, { code: 3, signal: 0 }, 3],
    [1280, { code: 5, signal: 0 }, 5],
    [15, { code: 0, signal: 15 }, 143],
    [9, { code: 0, signal: 9 }, 137],
    [9 | 0x80, { code: 0, signal: 9 }, 137],
  ])('wait status %i', (raw, status, lsf) => {
    expect(fromWaitStatus(raw)).toEqual(status);
    expect(lsfExitCode(fromWaitStatus(raw))).toBe(lsf);
  });
  test('scontrol ExitCode=rc:sig', () => {
    expect(fromExitCodeText('3:0')).toEqual({ code: 3, signal: 0 });
    expect(fromExitCodeText('0:9')).toEqual({ code: 0, signal: 9 });
    expect(fromExitCodeText('x')).toBeUndefined();
  });
});

describe('parseSqueueJson on real 22.05 output', () => {
  const parsed = parseSqueueJson(FIXTURE);
  const byKey = new Map(parsed.records.map((r) => [`${r.id}[${r.index}]`, r]));

  test('meta, no errors, nothing skipped; pending array elements expanded', () => {
    expect(parsed.release).toBe('22.05.8');
    expect(parsed.errors).toEqual([]);
    expect(parsed.skipped).toEqual([]);
    expect(parsed.records.map((r) => `${r.id}[${r.index}]`)).toEqual([
      '2[0]',
      '3[0]',
      '4[1]',
      '5[0]',
      '6[0]',
      '8[0]',
      '64[1]',
      '64[4]',
      '64[7]',
      '65[0]',
      '66[0]',
    ]);
  });

  test.each<[string, Partial<SlurmJobRecord>]>([
    [
      '2[0]',
      { slurmId: 2, state: 'EXIT', exitCode: 3, reason: 'NonZeroExitCode', name: 'ex3', nodes: ['n1'] },
    ],
    ['3[0]', { state: 'EXIT', exit: { code: 0, signal: 15 }, exitCode: 143, reason: 'JobLaunchFailure' }],
    ['4[1]', { slurmId: 9, id: 4, index: 1, state: 'EXIT', exitCode: 1, name: 'arr', nodes: ['n2'] }],
    [
      '5[0]',
      { state: 'EXIT', exitCode: 5, exitReason: 'TERM_OWNER: job killed by owner', reason: undefined },
    ],
    ['6[0]', { state: 'EXIT', exitCode: 137, slurmState: ['CANCELLED'] }],
    ['8[0]', { name: 'we|rd na\tme\nline2', state: 'EXIT', exitCode: 143, user: 'lsfd-test', uid: 4201 }],
    [
      '64[4]',
      { slurmId: 64, name: 'held[x]', state: 'PSUSP', reason: 'JobHeldUser', nodes: [], exitCode: undefined },
    ],
    ['65[0]', { state: 'RUN', nodeList: 'n[1-2]', nodes: ['n1', 'n2'], partition: 'debug', batchHost: 'n1' }],
    ['66[0]', { name: 'sp ace|pi"pe\\\n{"x":1}', state: 'RUN', exit: undefined, exitCode: undefined }],
  ])('%s', (key, expected) => {
    expect(byKey.get(key)).toMatchObject(expected);
  });

  test('times are unix seconds, unset ones undefined', () => {
    const pending = byKey.get('64[1]')!;
    expect(pending.submitTime).toBeGreaterThan(1_700_000_000);
    expect(pending.startTime).toBeUndefined();
    expect(byKey.get('2[0]')!.endTime).toBeGreaterThanOrEqual(byKey.get('2[0]')!.startTime!);
    expect(byKey.get('2[0]')!.workDir).toBe('/home/lsfd-test/work');
  });
});

/** A job as 22.05 prints it, with only the fields the parser reads. */
function job038(o: {
  id: number;
  name: string;
  state: string;
  exit?: number;
  array?: number;
  task?: number | null;
  tasks?: string;
  nodes?: string;
}) {
  return {
    job_id: o.id,
    array_job_id: o.array ?? 0,
    array_task_id: o.task ?? null,
    array_task_string: o.tasks ?? '',
    name: o.name,
    user_name: 'u',
    user_id: 1000,
    job_state: o.state,
    state_reason: 'None',
    exit_code: o.exit ?? 0,
    partition: 'debug',
    nodes: o.nodes ?? 'n1',
    batch_host: 'n1',
    submit_time: 1796117063,
    start_time: 1796117064,
    end_time: 0,
    current_working_directory: '/w',
  };
}
const doc = (jobs: unknown[]) =>
  JSON.stringify({ meta: { Slurm: { release: '22.05.8' } }, errors: [], jobs });

describe('parseSqueueJson properties', () => {
  const hostileName = fc.oneof(
    fc.string({ unit: 'grapheme' }),
    fc.constantFrom('a|b', 'x\ny', 'tab\tz', '"}],"jobs":[', '\\', '%j', ' leading', ''),
  );

  test('any job name survives, whatever it contains', () => {
    fc.assert(
      fc.property(fc.array(hostileName, { minLength: 1, maxLength: 6 }), (names) => {
        const jobs = names.map((name, i) => job038({ id: i + 1, name, state: 'RUNNING' }));
        const { records, skipped } = parseSqueueJson(doc(jobs));
        expect(skipped).toEqual([]);
        expect(records.map((r) => r.name)).toEqual(names);
      }),
    );
  });

  test('exit codes: raw wait statuses map to LSF codes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 64 }), (code, signal) => {
        const raw = signal > 0 ? signal : code << 8;
        const [r] = parseSqueueJson(
          doc([job038({ id: 1, name: 'j', state: signal || code ? 'FAILED' : 'COMPLETED', exit: raw })]),
        ).records;
        expect(r!.exitCode).toBe(signal > 0 ? 128 + signal : code);
      }),
    );
  });

  test('a pending array record becomes its pending elements; started tasks keep their own ids', () => {
    const { records } = parseSqueueJson(
      doc([
        job038({ id: 12, name: 'a', state: 'PENDING', array: 12, tasks: '3-4%2', nodes: '' }),
        job038({ id: 13, name: 'a', state: 'RUNNING', array: 12, task: 1 }),
        job038({ id: 14, name: 'a', state: 'COMPLETED', array: 12, task: 2 }),
      ]),
    );
    expect(records.map((r) => [r.id, r.index, r.slurmId, r.state])).toEqual([
      [12, 1, 13, 'RUN'],
      [12, 2, 14, 'DONE'],
      [12, 3, 12, 'PEND'],
      [12, 4, 12, 'PEND'],
    ]);
  });

  test('the v0.0.39+ shapes (state array, exit object, time objects) read the same', () => {
    const [r] = parseSqueueJson(
      JSON.stringify({
        meta: { slurm: { release: '23.11.1' } },
        errors: [],
        jobs: [
          {
            ...job038({ id: 7, name: 'n', state: 'x' }),
            job_state: ['CANCELLED'],
            exit_code: {
              status: ['SIGNALED'],
              return_code: { set: true, infinite: false, number: 0 },
              signal: { signal_id: { set: true, infinite: false, number: 9 }, name: 'KILL' },
            },
            submit_time: { set: true, infinite: false, number: 1796117063 },
            start_time: { set: false, infinite: false, number: 0 },
          },
        ],
      }),
    ).records;
    expect(r).toMatchObject({
      id: 7,
      state: 'EXIT',
      exitCode: 137,
      submitTime: 1796117063,
      startTime: undefined,
    });
  });

  test('a malformed record is skipped with its reason; the others stay', () => {
    const { records, skipped } = parseSqueueJson(
      doc([
        job038({ id: 1, name: 'ok', state: 'RUNNING' }),
        { ...job038({ id: 2, name: 'bad', state: 'RUNNING' }), nodes: 'n[1-' },
        { ...job038({ id: 3, name: 'bad', state: 'RUNNING' }), job_id: 'x' },
        { ...job038({ id: 4, name: 'bad', state: 'RUNNING' }), job_state: 5 },
        { ...job038({ id: 5, name: 'a', state: 'PENDING', array: 5, nodes: '' }), array_task_string: '1-' },
        'junk',
      ]),
    );
    expect(records.map((r) => r.slurmId)).toEqual([1]);
    expect(skipped).toHaveLength(5);
  });

  test.each(['', 'not json', '[]', '{"jobs":{}}', '{"meta":{}}'])('%j is not squeue output', (text) => {
    expect(() => parseSqueueJson(text)).toThrow(SqueueFormatError);
  });

  test("Slurm's own errors are passed on", () => {
    const text = JSON.stringify({
      meta: {},
      errors: [{ error: 'Unable to contact slurm controller', errno: 1 }],
      jobs: [],
    });
    expect(parseSqueueJson(text).errors).toEqual(['Unable to contact slurm controller']);
  });
});

describe('bsubWaitStatus', () => {
  const rec = (index: number, state: SlurmJobRecord['state'], exitCode?: number) =>
    ({ index, state, exitCode }) as SlurmJobRecord;
  test.each<[SlurmJobRecord[], number | undefined]>([
    [[], undefined],
    [[rec(1, 'DONE', 0), rec(2, 'RUN')], undefined],
    [[rec(1, 'DONE', 0), rec(2, 'DONE', 0)], 0],
    [[rec(2, 'EXIT', 2), rec(1, 'EXIT', 1), rec(3, 'DONE', 0)], 1],
    [[rec(1, 'DONE', 0), rec(2, 'EXIT', 143)], 143],
    [[rec(1, 'EXIT', undefined)], 255],
  ])('%j -> %s', (records, status) => {
    expect(bsubWaitStatus(records)).toBe(status);
  });
});
