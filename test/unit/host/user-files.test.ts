/** Reading the files users name with their own rights (lib/host/user-files.ts). */
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ddErrorCode,
  readAsUserArgv,
  readUserFileText,
  reasonOf,
  refusedUserPath,
  type UserFileError,
} from '../../../lib/host/user-files.js';

const me = { uid: process.getuid!(), gid: process.getgid!(), groups: [] as number[] };

describe('what is refused before anything is opened', () => {
  test.each([
    ['/proc/1234/root/etc/shadow', 'lies in /proc (refused)'],
    ['/proc', 'lies in /proc (refused)'],
    ['//proc/self/environ', 'lies in /proc (refused)'],
    ['/home/u/../../proc/self/fd/0', 'lies in /proc (refused)'],
    ['relative/file', 'is not an absolute path'],
  ])('%s: %s', (path, reason) => {
    expect(refusedUserPath(path)).toBe(reason);
    expect(() => readUserFileText(me, path)).toThrow(reason);
  });

  test('/procfs and /home/proc are ordinary paths', () => {
    expect(refusedUserPath('/procfs/x')).toBeUndefined();
    expect(refusedUserPath('/home/proc')).toBeUndefined();
  });
});

describe('the child that reads as the user', () => {
  test('setpriv with the user ids and groups, then dd with O_NOFOLLOW and the limit; no shell', () => {
    expect(readAsUserArgv({ uid: 4201, gid: 4201, groups: [4201, 4300] }, '/home/u/a b', 1024)).toEqual([
      '/usr/bin/setpriv',
      '--reuid=4201',
      '--regid=4201',
      '--groups=4300',
      '--',
      '/bin/dd',
      'if=/home/u/a b',
      'iflag=nofollow,nonblock',
      'bs=1025',
      'count=1',
      'status=none',
    ]);
    expect(readAsUserArgv({ uid: 5, gid: 5, groups: [] }, '/f', 1)).toContain('--clear-groups');
  });

  test.each([
    ["dd: failed to open '/x': No such file or directory", 'does not exist'],
    ["dd: failed to open '/x': Permission denied", 'cannot be read by you'],
    ["dd: failed to open '/x': Too many levels of symbolic links", 'is a symlink (not followed)'],
    ["dd: error reading '/x': Is a directory", 'is not a regular file'],
    ['dd: something else', 'could not be read'],
  ])('%s -> %s (the message, never the content)', (stderr, reason) => {
    expect(reasonOf(ddErrorCode(stderr))).toBe(reason);
  });
});

describe('in this process (it runs as the reader)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-uf-`);
    writeFileSync(`${dir}/f`, 'A=1\n');
    writeFileSync(`${dir}/big`, 'x'.repeat(2048));
    symlinkSync(`${dir}/f`, `${dir}/link`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a regular file is read; a symlink, a directory, a missing or too large file is refused by reason', () => {
    expect(readUserFileText(me, `${dir}/f`)).toBe('A=1\n');
    const reason = (path: string, limit?: number) => {
      try {
        readUserFileText(me, path, { limit });
        return 'read';
      } catch (err) {
        return (err as UserFileError).message;
      }
    };
    expect(reason(`${dir}/link`)).toBe('is a symlink (not followed)');
    expect(reason(dir)).toBe('is not a regular file');
    expect(reason(`${dir}/none`)).toBe('does not exist');
    expect(reason(`${dir}/big`, 1024)).toBe('is larger than 1 KiB');
  });

  test('root reading for another uid goes through the child (a 0600 root file stays unread)', () => {
    if (process.getuid!() !== 0) return;
    writeFileSync(`${dir}/secret`, 'SECRET=1\n');
    chmodSync(`${dir}/secret`, 0o600);
    chmodSync(dir, 0o755);
    expect(() => readUserFileText({ uid: 65534, gid: 65534, groups: [] }, `${dir}/secret`)).toThrow(
      'cannot be read by you',
    );
    writeFileSync(`${dir}/open`, 'OPEN=1\n');
    chmodSync(`${dir}/open`, 0o644);
    expect(readUserFileText({ uid: 65534, gid: 65534, groups: [] }, `${dir}/open`)).toBe('OPEN=1\n');
  });
});
