/**
 * The leftovers audit, run after every other test file (test/sequencer.cjs): whatever the suite
 * did — killed wrappers, OOM kills, refused requests, signals, builds, local LSF jobs — none of
 * the wrapper's private dirs, job tmpdirs or containers of the test users remain.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { docker } from './helpers/docker.js';
import { ITG_TMP_ROOT } from './helpers/job.js';
import { DOCKER_GROUP_USER, TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';

const uids = [TEST_USER, TEST_USER2, DOCKER_GROUP_USER].map((u) => userInfo(u).uid);
const PRIVATE_DIR = /^lsf-docker\.(\d+)\.[A-Za-z0-9]{6}$/;

function ownedEntries(dir: string, pattern: RegExp): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => pattern.test(name))
    .filter((name) => {
      try {
        return (
          uids.includes(statSync(`${dir}/${name}`).uid) || uids.includes(Number(PRIVATE_DIR.exec(name)?.[1]))
        );
      } catch {
        return false;
      }
    })
    .map((name) => `${dir}/${name}`);
}

test("the wrapper's tmp roots hold no private dir of the test users", () => {
  expect(ownedEntries(ITG_TMP_ROOT, PRIVATE_DIR)).toEqual([]);
  expect(ownedEntries('/tmp', PRIVATE_DIR)).toEqual([]);
});

test('no job tmpdir of the test users is left in /tmp', () => {
  expect(ownedEntries('/tmp', /^\d+(_\d+)?\.tmpdir$/)).toEqual([]);
});

test('no environment snapshot of the user-side sudo step is left in /tmp', () => {
  expect(ownedEntries('/tmp', /^lsf-docker-env\.\d+\./)).toEqual([]);
});

test('no staging mount of a private dir is left in this mount namespace', () => {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  expect(mounts.split('\n').filter((l) => /\/lsf-docker\.\d+\.[A-Za-z0-9]{6}\/mnt\//.test(l))).toEqual([]);
});

test('no container of the test users is left, running or stopped', async () => {
  for (const uid of uids) {
    const r = await docker([
      'ps',
      '--all',
      '--filter',
      `label=lsf-docker.uid=${uid}`,
      '--format',
      '{{.Names}}',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('');
  }
});
