/** Which snapshot dir a program removes for the user-side step, and how. */
import { describe, expect, test } from '@jest/globals';
import { removeAsUserArgv, snapshotDirOf } from '../../../lib/host/snapshot-dir.js';

describe('snapshotDirOf', () => {
  test("the step's own dir for this uid, nothing else", () => {
    expect(snapshotDirOf('/tmp/lsf-docker-env.4201.aB3xYz/environ', 4201)).toBe(
      '/tmp/lsf-docker-env.4201.aB3xYz',
    );
    for (const file of [
      '/tmp/lsf-docker-env.4202.aB3xYz/environ', // another user's
      '/tmp/lsf-docker-env.4201.aB3xYz/other',
      '/tmp/lsf-docker-env.4201.aB3/environ',
      '/tmp/lsf-docker-env.4201.aB3xYz/../../etc/environ',
      '/tmp/lsf-docker-env.4201.../environ',
      '/home/u/lsf-docker-env.4201.aB3xYz/environ',
      '/tmp/lsf-docker-env.4201.aB3xYz/environ/',
    ])
      expect([file, snapshotDirOf(file, 4201)]).toEqual([file, undefined]);
  });

  test('removed as the user, without a shell, the dir one word after --', () => {
    expect(removeAsUserArgv('/tmp/lsf-docker-env.4201.aB3xYz', 4201, 4201)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=4201',
      '--regid=4201',
      '--clear-groups',
      '--',
      '/bin/rm',
      '-rf',
      '--',
      '/tmp/lsf-docker-env.4201.aB3xYz',
    ]);
  });
});
