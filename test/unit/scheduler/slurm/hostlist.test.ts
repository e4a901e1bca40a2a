import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  expandArraySpec,
  expandCounts,
  expandHostlist,
  MAX_HOSTS,
} from '../../../../lib/scheduler/slurm/hostlist.js';

describe('expandHostlist (as scontrol show hostnames, measured)', () => {
  test.each([
    ['n1', ['n1']],
    ['n[1-3]', ['n1', 'n2', 'n3']],
    ['n[1-3,7],gpu[08-11]', ['n1', 'n2', 'n3', 'n7', 'gpu08', 'gpu09', 'gpu10', 'gpu11']],
    ['r[1-2]n[01-02],x', ['r1n01', 'r1n02', 'r2n01', 'r2n02', 'x']],
    ['node-[9-10]-ib', ['node-9-ib', 'node-10-ib']],
    ['a,b.example.org', ['a', 'b.example.org']],
    ['', []],
  ])('%j', (text, hosts) => {
    expect(expandHostlist(text)).toEqual(hosts);
  });

  test.each([
    'n[1-3',
    'n1-3]',
    'n[[1]]',
    'n[3-1]',
    'n[a-b]',
    'n[]',
    'n1,,n2',
    ',n1',
    'n 1',
    'n;rm',
    `n[1-${MAX_HOSTS + 1}]`,
    'n[1-99999999]',
  ])('refuses %j', (text) => {
    expect(expandHostlist(text)).toBeUndefined();
  });

  test('a list of plain names expands to itself', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/), { minLength: 1, maxLength: 8 }),
        (names) => {
          expect(expandHostlist(names.join(','))).toEqual(names);
        },
      ),
    );
  });

  test('a range expands to as many names as it covers, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 50 }), (first, len) => {
        const hosts = expandHostlist(`n[${first}-${first + len}]`)!;
        expect(hosts).toHaveLength(len + 1);
        expect(hosts[0]).toBe(`n${first}`);
        expect(hosts.at(-1)).toBe(`n${first + len}`);
      }),
    );
  });
});

describe('expandCounts (SLURM_JOB_CPUS_PER_NODE, SLURM_TASKS_PER_NODE)', () => {
  test.each([
    ['2', [2]],
    ['2,1', [2, 1]],
    ['2(x2),1', [2, 2, 1]],
    ['72(x2),36', [72, 72, 36]],
    ['1(x3)', [1, 1, 1]],
  ])('%j', (text, counts) => {
    expect(expandCounts(text)).toEqual(counts);
  });
  test.each(['', '2(x0)', '2(x)', 'x2', '2,,1', '2(x2)1', '-1', '2(x9999999)'])('refuses %j', (text) => {
    expect(expandCounts(text)).toBeUndefined();
  });
});

describe('expandArraySpec (squeue array_task_string, sbatch --array)', () => {
  test.each([
    ['3-4%2', [3, 4]],
    ['1,3,5%1', [1, 3, 5]],
    ['1-7:3', [1, 4, 7]],
    ['5,1-2', [1, 2, 5]],
    ['2,2', [2]],
  ])('%j', (text, indexes) => {
    expect(expandArraySpec(text)).toEqual(indexes);
  });
  test.each(['', '%2', '4-3', '1-3:0', 'a', '1-3:2:1', '1;2'])('refuses %j', (text) => {
    expect(expandArraySpec(text)).toBeUndefined();
  });
  test('a limit bounds the elements', () => {
    expect(expandArraySpec('1-1001', 1000)).toBeUndefined();
    expect(expandArraySpec('1-1000', 1000)).toHaveLength(1000);
  });
});
