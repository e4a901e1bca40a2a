/**
 * The user-side step's snapshot as the program reads and removes it: the step's own dir only,
 * read by root in this process after checks made on descriptors (run as root: the files here
 * are made for another uid, as the step makes them). Each attack is a file the checks refuse.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { forgetSnapshot, readJobFileText, snapshotDirOf } from '../../../lib/host/snapshot-dir.js';

const asRoot = process.geteuid?.() === 0 ? test : test.skip;
const UID = 42_424;
const reader = { uid: UID, gid: UID, groups: [UID] };

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
});

describe('the snapshot read and removed by root in this process', () => {
  let dir: string;
  let file: string;
  let secret: string;
  beforeEach(() => {
    dir = mkdtempSync(`/tmp/lsf-docker-env.${UID}.`);
    chownSync(dir, UID, UID);
    file = `${dir}/environ`;
    secret = mkdtempSync('/tmp/lsfd-secret-');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(secret, { recursive: true, force: true });
  });
  const userFile = (path: string, text: string, mode = 0o600) => {
    writeFileSync(path, text, { mode });
    chownSync(path, UID, UID);
  };

  asRoot("the step's file: read, then removed with its dir", () => {
    userFile(file, 'A=1\0B=x=y\0');
    expect(readJobFileText(reader, file, 1024, 0)).toBe('A=1\0B=x=y\0');
    forgetSnapshot(file, UID);
    expect(existsSync(dir)).toBe(false);
  });

  asRoot('refused: a symlink, a hard link, a file of another owner, a dir others may enter, too big', () => {
    const read = () => readJobFileText(reader, file, 16, 0);
    writeFileSync(`${secret}/shadow`, 'root:secret\n', { mode: 0o600 });
    symlinkSync(`${secret}/shadow`, file);
    expect(read).toThrow('is a symlink (not followed)');
    rmSync(file);
    userFile(`${secret}/theirs`, 'A=1\0');
    linkSync(`${secret}/theirs`, file);
    expect(read).toThrow('is not a snapshot of yours');
    rmSync(file);
    writeFileSync(file, 'A=1\0', { mode: 0o600 }); // root's
    expect(read).toThrow('is not a snapshot of yours');
    rmSync(file);
    userFile(file, 'A=1\0');
    chownSync(dir, UID, UID);
    chmodSync(dir, 0o755);
    expect(read).toThrow('is not a snapshot of yours');
    chmodSync(dir, 0o700);
    userFile(file, 'X'.repeat(17));
    expect(read).toThrow('is larger than');
    rmSync(file);
    mkdirSync(file);
    expect(read).toThrow('is not a regular file');
  });

  asRoot(
    'a dir swapped for a symlink to a dir holding a file of the user: refused, and nothing removed there',
    () => {
      rmSync(dir, { recursive: true });
      chownSync(secret, UID, UID);
      chmodSync(secret, 0o700);
      userFile(`${secret}/environ`, 'A=1\0');
      symlinkSync(secret, dir);
      expect(() => readJobFileText(reader, file, 1024, 0)).toThrow('is a symlink (not followed)');
      forgetSnapshot(file, UID);
      expect(existsSync(`${secret}/environ`)).toBe(true);
    },
  );

  asRoot("another uid's pattern or another path: not read here (read as the user instead)", () => {
    userFile(file, 'A=1\0');
    // As the other uid, the path does not name one of its snapshots: read as that user (setpriv + dd).
    expect(() => readJobFileText({ uid: UID + 1, gid: UID + 1, groups: [] }, file, 1024, 0)).toThrow(
      'cannot be read by you',
    );
    forgetSnapshot(file, UID + 1);
    expect(existsSync(file)).toBe(true);
  });
});
