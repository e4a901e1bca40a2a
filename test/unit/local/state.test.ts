import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { environHasToken, SESSION_VARIABLE, sessionPids } from '../../../lib/exec/session.js';
import { writeAtomic } from '../../../lib/local/atomic.js';
import { closedBy, closeHost, hostClosedFor, openHost } from '../../../lib/local/drain.js';
import { allocateJobId, jobIdRange, SHARED_MAX_JOB_ID } from '../../../lib/local/job-id-alloc.js';
import { jobTmpdirProblem, makeJobTmpdir } from '../../../lib/local/job-tmpdir.js';
import { isLocked, release, tryLockFile } from '../../../lib/local/lock.js';
import { allocate, allocated, lockNames } from '../../../lib/local/resources.js';
import { prepareState, sharedDirProblem, userDirFallback } from '../../../lib/local/state.js';
import { parseTopPids } from '../../../lib/runtime/docker/find.js';

const dir = (
  over: Partial<{ isDirectory: boolean; isSymbolicLink: boolean; uid: number; mode: number }>,
) => ({
  isDirectory: true,
  isSymbolicLink: false,
  uid: 0,
  mode: 0o41777,
  ...over,
});

describe('the shared host dir is trusted only when nobody else controls it', () => {
  test.each([
    ['root-owned sticky', dir({}), undefined],
    ['ours, private', dir({ uid: 4201, mode: 0o40700 }), undefined],
    ['missing', undefined, 'does not exist'],
    ['a symlink', dir({ isSymbolicLink: true, isDirectory: false }), 'is a symbolic link'],
    ['a file', dir({ isDirectory: false, mode: 0o100644 }), 'is not a directory'],
    ['owned by another user, sticky', dir({ uid: 4202 }), /^is owned by uid 4202, not root: its owner could/],
    ['root-owned, world-writable, not sticky', dir({ mode: 0o40777 }), /not sticky/],
    ['root-owned, group-writable, not sticky', dir({ mode: 0o40775 }), /not sticky/],
  ])('%s', (_, facts, want) => {
    const problem = sharedDirProblem(facts, 4201);
    if (want === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(want);
  });
});

describe('job id ranges', () => {
  test('shared: 1..999999; private: a million per uid block, above the shared range and below MAX_JOBID', () => {
    expect(jobIdRange(true, 4201)).toEqual({ first: 1, last: SHARED_MAX_JOB_ID });
    expect(jobIdRange(false, 4201)).toEqual({ first: 2_056_000_000, last: 2_056_999_999 });
    expect(jobIdRange(false, 0).first).toBe(1_000_000);
    for (const uid of [1, 2145, 2146, 65534, 4294967294]) {
      const r = jobIdRange(false, uid);
      expect(r.first).toBeGreaterThan(SHARED_MAX_JOB_ID);
      expect(r.last).toBeLessThanOrEqual(2147483646);
    }
    expect(jobIdRange(false, 4201)).not.toEqual(jobIdRange(false, 4202));
  });
});

describe('files in the host dir (run as root, so other owners are made with chown)', () => {
  let host: string;
  beforeEach(() => {
    host = mkdtempSync(join(tmpdir(), 'lsfd-state-'));
    mkdirSync(join(host, 'ids'));
  });
  afterEach(() => rmSync(host, { recursive: true, force: true }));

  test('ids are unique and follow our own hint; a hint file not owned by its uid is ignored', () => {
    const shared = { host, shared: true };
    expect(allocateJobId(shared, 4201)).toBe(1);
    expect(allocateJobId(shared, 4201)).toBe(2);
    writeFileSync(join(host, 'next.4202'), '900000\n');
    chownSync(join(host, 'next.4202'), 4201, 4201); // not 4202's own: not trusted
    expect(allocateJobId(shared, 4201)).toBe(3);
    chownSync(join(host, 'next.4202'), 4202, 4202);
    expect(allocateJobId(shared, 4201)).toBe(900000);
  });

  test('a hint near the end of the range wraps around instead of exhausting ids', () => {
    writeFileSync(join(host, 'next.0'), `${SHARED_MAX_JOB_ID}\n`);
    const shared = { host, shared: true };
    expect(allocateJobId(shared, 0)).toBe(SHARED_MAX_JOB_ID);
    expect(allocateJobId(shared, 0)).toBe(1);
  });

  test('a hint that cannot be written does not fail the submission and leaves no temp file', () => {
    mkdirSync(join(host, 'next.4201', 'in-the-way'), { recursive: true }); // rename onto it fails even for root
    expect(allocateJobId({ host, shared: true }, 4201)).toBe(1);
    expect(readdirSync(host).sort()).toEqual(['ids', 'next.4201']);
  });

  test('writeAtomic removes its temp file when the rename fails', () => {
    mkdirSync(join(host, 'target', 'x'), { recursive: true });
    expect(() => writeAtomic(join(host, 'target'), 'text')).toThrow();
    expect(readdirSync(host).sort()).toEqual(['ids', 'target']);
  });

  test('a configured state dir owned by another user is a config error naming it', () => {
    const shared = join(host, 'shared');
    mkdirSync(shared, { mode: 0o1777 });
    chownSync(shared, 4202, 4202);
    const dirs = { host: shared, user: join(host, 'user'), shared: true };
    expect(() => prepareState(dirs, 4201, true)).toThrow(
      expect.objectContaining({
        code: 211,
        message: expect.stringMatching(/is owned by uid 4202, not root/),
      }),
    );
    try {
      prepareState(dirs, 4201, true);
    } catch (err) {
      expect(String((err as Error).message)).toContain(
        `${shared} is owned by uid 4202, not root: its owner could delete or rename everyone's job-id markers and locks; the shared state dir must be made by root: install -d -m 1777 -o root -g root ${shared} ${shared}/ids ${shared}/locks`,
      );
    }
    expect(readdirSync(shared)).toEqual([]);
  });

  test('root makes the shared dirs 1777 and uses them', () => {
    const shared = join(host, 'made-by-root');
    const dirs = prepareState({ host: shared, user: join(host, 'user'), shared: true }, 0, true);
    expect(dirs.shared).toBe(true);
    for (const d of [shared, join(shared, 'ids'), join(shared, 'locks')])
      expect(lstatSync(d).mode & 0o7777).toBe(0o1777);
  });
});

describe('the job tmpdir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lsfd-jobtmp-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('made fresh, 0700', () => {
    expect(makeJobTmpdir(join(root, '7.tmpdir'), 0)).toEqual({ path: join(root, '7.tmpdir') });
    expect(lstatSync(join(root, '7.tmpdir')).mode & 0o777).toBe(0o700);
  });

  test("another user's dir, a symlink, a file, or a dir of our own in its place: the job gets a fresh dir beside it, theirs stays", () => {
    const theirs = join(root, '1.tmpdir');
    mkdirSync(join(theirs, 'inside'), { recursive: true });
    chownSync(theirs, 4202, 4202);
    const got = makeJobTmpdir(theirs, 0);
    expect(got.path).toMatch(new RegExp(`^${theirs}\\.[A-Za-z0-9]{6}$`));
    expect(got.moved).toBe(`${theirs} already exists and belongs to uid 4202, not to you`);
    expect(lstatSync(got.path).mode & 0o777).toBe(0o700);
    expect(readdirSync(theirs)).toEqual(['inside']);
    symlinkSync('/etc', join(root, '2.tmpdir'));
    expect(makeJobTmpdir(join(root, '2.tmpdir'), 0).moved).toMatch(/already exists as a symbolic link/);
    writeFileSync(join(root, '3.tmpdir'), '');
    expect(makeJobTmpdir(join(root, '3.tmpdir'), 0).moved).toMatch(/already exists and is not a directory/);
    mkdirSync(join(root, '4.tmpdir'));
    expect(makeJobTmpdir(join(root, '4.tmpdir'), 0).moved).toMatch(/already exists \(a job with the same id/);
    expect(lstatSync(join(root, '2.tmpdir')).isSymbolicLink()).toBe(true);
  });

  test('jobTmpdirProblem names the owner', () => {
    expect(jobTmpdirProblem(dir({ uid: 99 }), 4201)).toBe('already exists and belongs to uid 99, not to you');
  });
});

describe("docker_exec's session processes", () => {
  test('the PID column of docker top', () => {
    expect(parseTopPids('PID\n123\n456\n')).toEqual([123, 456]);
    expect(parseTopPids('UID  PID  PPID  CMD\nroot 10 1 sh -c x\n4201 11 10 sleep 5\n')).toEqual([10, 11]);
    expect(parseTopPids('no header\n')).toEqual([]);
  });

  test('only processes whose environment carries the exact token', () => {
    const environ: Record<number, string> = {
      1: `PATH=/bin\0${SESSION_VARIABLE}=abc\0`,
      2: `${SESSION_VARIABLE}=abcd\0`,
      3: `X=${SESSION_VARIABLE}=abc\0`,
    };
    expect(environHasToken(environ[1]!, 'abc')).toBe(true);
    expect(sessionPids([1, 2, 3, 4], 'abc', (pid) => environ[pid])).toEqual([1]);
  });
});

describe('the drain flags: whose badmin hclose holds whose jobs', () => {
  let host: string;
  beforeEach(() => {
    host = mkdtempSync(join(tmpdir(), 'lsfd-closed-'));
  });
  afterEach(() => rmSync(host, { recursive: true, force: true }));

  test("root's flag holds everyone; a user's own flag holds only that user's jobs; a planted one nothing", () => {
    const dirs = { host };
    expect(hostClosedFor(dirs, 4201)).toBe(false);
    closeHost(dirs, 0);
    expect([closedBy(dirs, 4201), closedBy(dirs, 4202)]).toEqual(['root', 'root']);
    openHost(dirs, 0);
    expect(hostClosedFor(dirs, 4201)).toBe(false);
    writeFileSync(join(host, 'closed.4202'), 'x');
    chownSync(join(host, 'closed.4202'), 4202, 4202);
    expect([closedBy(dirs, 4201), closedBy(dirs, 4202)]).toEqual([undefined, 'user']);
    chownSync(join(host, 'closed.4202'), 4201, 4201); // planted by 4201 under 4202's name
    expect(closedBy(dirs, 4202)).toBeUndefined();
    writeFileSync(join(host, 'closed'), 'planted');
    chownSync(join(host, 'closed'), 4201, 4201);
    expect(closedBy(dirs, 4202)).toBeUndefined();
  });

  test("root's hclose replaces a planted file or symlink, never writing through it", () => {
    const target = join(host, 'target-of-the-link');
    symlinkSync(target, join(host, 'closed'));
    closeHost({ host }, 0);
    const flag = lstatSync(join(host, 'closed'));
    expect({
      file: flag.isFile(),
      uid: flag.uid,
      target: readdirSync(host).includes('target-of-the-link'),
    }).toEqual({
      file: true,
      uid: 0,
      target: false,
    });
    expect(readdirSync(host)).toEqual(['closed']);
  });
});

describe('lock files another user may have planted', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lsfd-locks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a symlink, a fifo, a directory are unusable, never followed, never waited on', () => {
    symlinkSync('/etc/passwd', join(dir, 'link'));
    mkdirSync(join(dir, 'dir'));
    expect(tryLockFile(join(dir, 'link'))).toEqual({ unusable: 'is a symbolic link' });
    expect(tryLockFile(join(dir, 'dir'))).toEqual({ unusable: 'is a directory' });
    const fresh = tryLockFile(join(dir, 'fresh'));
    expect('held' in fresh).toBe(true);
    expect(isLocked(join(dir, 'fresh'))).toBe(true);
    if ('held' in fresh) release(fresh.held);
    expect(isLocked(join(dir, 'fresh'))).toBe(false);
    expect(lstatSync(join(dir, 'fresh')).mode & 0o777).toBe(0o644);
  });

  test('a planted slot lock moves the slot to its next name: the job still gets two slots', () => {
    expect(lockNames('slot.0').slice(0, 3)).toEqual(['slot.0', 'slot.0~1', 'slot.0~2']);
    symlinkSync('/nowhere', join(dir, 'slot.0'));
    mkdirSync(join(dir, 'slot.1'));
    const got = allocate(dir, 2, { slots: 2, ports: [], gpus: 0 }, []);
    expect(allocated(got)).toBe(true);
    if (allocated(got)) {
      expect(got.locks.map((l) => l.path.slice(dir.length + 1))).toEqual(['slot.0~1', 'slot.1~1']);
      const second = allocate(dir, 2, { slots: 1, ports: [], gpus: 0 }, []);
      expect(allocated(second)).toBe(false);
      for (const l of got.locks) release(l);
    }
  });
});

describe('the user dir under a shared state_dir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lsfd-userdir-'));
    for (const d of ['host', 'host/ids', 'host/locks', 'home']) mkdirSync(join(root, d), { mode: 0o1777 });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("another user's user.<uid> in its place: the user dir moves to the home, and stays there", () => {
    const host = join(root, 'host');
    const fallback = userDirFallback(join(root, 'home'), host);
    mkdirSync(join(host, 'user.0'));
    chownSync(join(host, 'user.0'), 4202, 4202);
    const dirs = { host, user: join(host, 'user.0'), shared: true, userFallback: fallback };
    expect(prepareState(dirs, 0, true).user).toBe(fallback);
    rmSync(join(host, 'user.0'), { recursive: true });
    expect(prepareState(dirs, 0, true).user).toBe(fallback);
    rmSync(fallback, { recursive: true });
    expect(prepareState(dirs, 0, true).user).toBe(join(host, 'user.0'));
  });
});
