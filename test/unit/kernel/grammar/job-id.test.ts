import {
  formatJobTarget,
  MAX_JOB_ID,
  parseArrayIndex,
  parseJobId,
  parseJobTarget,
} from '../../../../lib/kernel/grammar/job-id.js';

describe('the job-id grammar (LSF MAX_JOBID and MAX_JOB_ARRAY_SIZE limits)', () => {
  test.each([
    ['1', 1],
    ['123', 123],
    ['999999', 999999],
    ['2147483646', MAX_JOB_ID],
    ['0', undefined],
    ['2147483647', undefined],
    ['99999999999', undefined],
    ['0123', undefined],
    ['12a', undefined],
    ['-1', undefined],
    [' 12', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('job id %p -> %p', (text, want) => {
    expect(parseJobId(text)).toBe(want);
  });

  test.each([
    ['0', 0],
    ['7', 7],
    ['2147483646', 2147483646],
    ['2147483647', undefined],
    ['01', undefined],
    ['x', undefined],
  ])('array index %p -> %p', (text, want) => {
    expect(parseArrayIndex(text)).toBe(want);
  });

  test.each([
    ['123', { id: 123 }],
    ['123[4]', { id: 123, index: 4 }],
    ['2147483646[2147483646]', { id: 2147483646, index: 2147483646 }],
    ['123[0]', undefined],
    ['123[]', undefined],
    ['123[4', undefined],
    ['[4]', undefined],
    ['0', undefined],
    ['12x', undefined],
    ['123[4][5]', undefined],
  ])('target %p -> %p', (text, want) => {
    expect(parseJobTarget(text)).toEqual(want);
  });

  test('formats a target as LSF writes it', () => {
    expect(formatJobTarget({ id: 5 })).toBe('5');
    expect(formatJobTarget({ id: 5, index: 0 })).toBe('5');
    expect(formatJobTarget({ id: 5, index: 3 })).toBe('5[3]');
  });
});
