import { constants } from 'node:os';
import { RELAYED_SIGNALS, signalStatus } from '../../../lib/kernel/signals.js';
import { escalationDelay } from '../../../lib/scheduler/lsf/terminate.js';

describe('signalStatus: 128 + N, as a shell reports death by signal N', () => {
  test.each([...RELAYED_SIGNALS, 'SIGKILL'] as const)('%s', (signal) => {
    expect(signalStatus(signal)).toBe(128 + constants.signals[signal]);
  });

  test('the numbers LSF users know', () => {
    expect([signalStatus('SIGINT'), signalStatus('SIGKILL'), signalStatus('SIGTERM')]).toEqual([
      130, 137, 143,
    ]);
  });
});

describe('RELAYED_SIGNALS', () => {
  test("bkill's and job control's signals, never SIGKILL or SIGSTOP (which cannot be caught)", () => {
    expect([...RELAYED_SIGNALS].sort()).toEqual([
      'SIGHUP',
      'SIGINT',
      'SIGQUIT',
      'SIGTERM',
      'SIGUSR1',
      'SIGUSR2',
    ]);
  });
});

describe("escalationDelay: the container is removed before LSF's SIGKILL arrives", () => {
  test.each<[number, number]>([
    [10, 9],
    [2, 1],
    [1, 0.5],
    [0.5, 0.25],
    [0.1, 0.2],
    [3600, 3599],
  ])('JOB_TERMINATE_INTERVAL %d s -> %d s', (interval, delay) => {
    expect(escalationDelay(interval)).toBeCloseTo(delay, 10);
  });

  test('always before the interval ends (for intervals above the 0.2 s floor), never negative', () => {
    for (let interval = 0.25; interval <= 120; interval += 0.25) {
      const delay = escalationDelay(interval);
      expect(delay).toBeLessThan(interval);
      expect(delay).toBeGreaterThanOrEqual(0.2);
      expect(interval - delay).toBeLessThanOrEqual(1);
    }
  });
});
