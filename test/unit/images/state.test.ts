/** The per-host image state: the dir's trust, last-use records that cannot be forged, and real flock pull locks. */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readUses, recordName, recordUse, validRecord } from '../../../lib/job/image/last-use.js';
import { fileLocks, lockFileMode, openLockFile } from '../../../lib/job/image/pull-lock.js';
import { hostDirProblem, refHash } from '../../../lib/job/image/state-dir.js';

const root = mkdtempSync(join(tmpdir(), 'lsfd-image-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const REF = 'docker.io/library/busybox:latest';

describe('the host state dir', () => {
  const dir = { isDirectory: true, isSymbolicLink: false, uid: 0, mode: 0o40755 };
  test.each([
    ['root 0755', dir, undefined],
    ['root 1777', { ...dir, mode: 0o41777 }, undefined],
    ['root 0777, not sticky', { ...dir, mode: 0o40777 }, 'is writable by others but not sticky'],
    ["a user's", { ...dir, uid: 4201 }, 'is owned by uid 4201, not root'],
    ['a symlink', { ...dir, isSymbolicLink: true }, 'is a symbolic link'],
    ['missing', undefined, 'does not exist'],
  ])('%s: %s', (_label, facts, problem) => {
    expect(hostDirProblem(facts)).toBe(problem);
  });
});

describe('last-use records', () => {
  const facts = (over: Partial<Parameters<typeof validRecord>[0]> = {}) => ({
    name: recordName(REF, 4201),
    owner: 4201,
    isFile: true,
    mtimeMs: 5,
    content: `${REF}\n`,
    ...over,
  });
  test.each([
    ['its own', facts(), true],
    ['written by root (sudo)', facts({ owner: 0 }), true],
    ["in another user's name", facts({ owner: 4202 }), false],
    ['content not matching the name', facts({ content: 'docker.io/library/other:latest' }), false],
    ['not a record name', facts({ name: 'use.x.4201' }), false],
  ])('%s counts: %s', (_label, f, counts) => {
    expect(validRecord(f) !== undefined).toBe(counts);
  });

  test('recorded, updated in place, read back as the latest over users', () => {
    const dir = join(root, 'records');
    mkdirSync(dir);
    const me = process.getuid!();
    expect(recordUse(dir, me, REF, 1_000_000)).toBeUndefined();
    expect(readUses(dir).get(REF)).toBe(1_000_000);
    expect(recordUse(dir, me, REF, 2_000_000)).toBeUndefined();
    expect(readUses(dir).get(REF)).toBe(2_000_000);
    // A record in someone else's name (this process owns the file) does not count, as root either
    // when it names a uid other than its owner's.
    writeFileSync(join(dir, recordName(REF, me + 1)), `${REF}\n`);
    utimesSync(join(dir, recordName(REF, me + 1)), 9_000, 9_000);
    expect(readUses(dir).get(REF)).toBe(me === 0 ? 9_000_000 : 2_000_000);
  });

  test('a planted symlink is never followed', () => {
    const dir = join(root, 'planted');
    mkdirSync(dir);
    const target = join(root, 'victim');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, recordName(REF, 4201)));
    expect(recordUse(dir, 4201, REF)).toMatch(/ELOOP|symbolic/);
  });
});

describe('pull locks (flock)', () => {
  const dir = join(root, 'locks');
  mkdirSync(dir);
  const locks = fileLocks(dir, (image) => image);
  const opts = (onWait = () => {}, signal = new AbortController().signal) => ({
    waitSeconds: 5,
    signal,
    onWait,
  });

  test('the first takes it at once; the second says it waits and gets it when the first lets go', async () => {
    const first = await locks.acquire(REF, opts());
    expect(first).toMatchObject({ kind: 'held', waited: false });
    let waiting = false;
    const second = locks.acquire(
      REF,
      opts(() => (waiting = true)),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(waiting).toBe(true);
    if (first.kind === 'held') first.release();
    const got = await second;
    expect(got).toMatchObject({ kind: 'held', waited: true });
    if (got.kind === 'held') got.release();
  });

  test('another image is another lock; a wait stops on a signal', async () => {
    const a = await locks.acquire('a', opts());
    expect(await locks.acquire('b', opts())).toMatchObject({ kind: 'held', waited: false });
    const abort = new AbortController();
    const waiting = locks.acquire(
      'a',
      opts(() => abort.abort(), abort.signal),
    );
    expect(await waiting).toEqual({ kind: 'aborted' });
    if (a.kind === 'held') a.release();
  });

  test('a planted FIFO, symlink or directory is no lock (and never blocks)', () => {
    for (const [name, plant] of [
      ['fifo', (p: string) => execFileSync('mkfifo', [p])],
      ['link', (p: string) => symlinkSync('/etc/passwd', p)],
      ['dir', (p: string) => mkdirSync(p)],
    ] as const) {
      const d = join(root, `plant-${name}`);
      mkdirSync(d);
      plant(join(d, `pull.${refHash(REF)}.lock`));
      expect(openLockFile(d, REF).fd).toBeUndefined();
    }
  });

  test("lock files: 0600 where only root writes the dir (no user can hold one), 0644 where others may; an old one's mode corrected", () => {
    expect([lockFileMode(0o40755), lockFileMode(0o41777), lockFileMode(0o40775)]).toEqual([
      0o600, 0o644, 0o644,
    ]);
    const d = join(root, 'closed');
    mkdirSync(d, { mode: 0o755 });
    chmodSync(d, 0o755);
    const path = join(d, `pull.${refHash(REF)}.lock`);
    writeFileSync(path, '', { mode: 0o644 });
    chmodSync(path, 0o644);
    const { fd } = openLockFile(d, REF);
    expect(fd).toBeDefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o1777);
    expect(openLockFile(open, 'other').fd).toBeDefined();
    expect(statSync(join(open, `pull.${refHash('other')}.lock`)).mode & 0o777).toBe(0o644);
  });

  test('a lock file others may not read is no lock', () => {
    const d = join(root, 'unreadable');
    mkdirSync(d);
    const path = join(d, `pull.${refHash(REF)}.lock`);
    writeFileSync(path, '');
    chmodSync(path, 0o000);
    if (process.getuid!() !== 0) expect(openLockFile(d, REF).fd).toBeUndefined();
  });
});
