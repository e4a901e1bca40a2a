import {
  bjobsNothingStatus,
  gpusAsked,
  jobTmpdirIn,
  jobTmpdirName,
  reservedPorts,
  schedulerEnvironment,
} from '../../../lib/scheduler/lsf/facts.js';

describe('LSF facts: the job tmpdir', () => {
  test.each<[number, number, string]>([
    [123, 0, '123.tmpdir'],
    [123, 7, '123_7.tmpdir'],
  ])('job %i index %i: %s', (id, index, name) => {
    expect(jobTmpdirName(id, index)).toBe(name);
  });
  test.each<[string, string]>([
    ['/tmp', '/tmp/1.tmpdir'],
    ['/', '/1.tmpdir'],
  ])('under %s', (root, path) => {
    expect(jobTmpdirIn(root, '1.tmpdir')).toBe(path);
  });
});

describe('LSF facts: ports reserved by the resource request', () => {
  test.each<[string | undefined, number[]]>([
    [undefined, []],
    ['select[port8080=1]', [8080]],
    ['select[port8080=1 && port8081 = 1] rusage[mem=1]', [8080, 8081]],
    ['select[port8080=10]', []],
    ['select[port8080=0]', []],
    ['select[xport8080=1]', []],
    ['select[port08080=1]', []],
    ['select[port8080=1] select[port8080=1]', [8080]],
  ])('%s -> %j', (text, ports) => {
    expect(reservedPorts(text)).toEqual(ports);
  });
});

describe('LSF facts: GPUs asked, the interactive job', () => {
  test.each<[string | undefined, number]>([
    [undefined, 0],
    ['rusage[ngpus_physical=2.00]', 2],
    ['rusage[ngpus_excl_t=1] rusage[ngpus=3]', 3],
  ])('%s asks %i', (text, n) => {
    expect(gpusAsked(text)).toBe(n);
  });
  test('an interactive job reports its status every second', () => {
    expect(schedulerEnvironment(true)).toEqual([['LSF_NIOS_JOBSTATUS_INTERVAL', '1']]);
    expect(schedulerEnvironment(false)).toEqual([]);
  });
});

describe("LSF facts: bjobs' status when nothing matched (both back-ends)", () => {
  test('0 as LSF, 255 with LSB_BJOBS_CONSISTENT_EXIT_CODE=Y (any case)', () => {
    expect(bjobsNothingStatus({})).toBe(0);
    expect(bjobsNothingStatus({ LSB_BJOBS_CONSISTENT_EXIT_CODE: 'N' })).toBe(0);
    expect(bjobsNothingStatus({ LSB_BJOBS_CONSISTENT_EXIT_CODE: 'y' })).toBe(255);
  });
});
