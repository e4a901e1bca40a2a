import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { configError } from '../kernel/errors.js';
import { LOCAL_HOST_DIR } from '../kernel/names.js';

/**
 * Where the local LSF keeps its state (docs/user-guide-local-lsf.md, "Slots and state"):
 *  - the host dir: host-wide facts shared by every user: the job-id markers ids/<N>, the users'
 *    id hints next.<uid>, the slot, port and GPU lock files, and the drain flag `closed`.
 *    [local] state_dir when set, else <[paths] tmp_root>/lsf-docker.host. Whoever owns it could
 *    delete or rename everyone's markers and locks, so it is trusted only when it (and its ids/
 *    and locks/) belong to root or to us, sticky when others may write. Only root creates it
 *    (or a user who owns its parent). When the default one is missing or not trusted, the user
 *    gets a private host dir <user dir>/host instead (own slots, own job-id range); a configured
 *    state_dir that is not trusted is a config error.
 *  - the user dir: one user's jobs (records, environments, output spools, supervisor locks),
 *    0700. Default ~/.lsf-docker (the home from the user database), or <state_dir>/user.<uid>.
 */
export interface StateDirs {
  host: string;
  user: string;
  /** True when the host dir is the shared one (host-wide slots and ids); false for a private fallback. */
  shared: boolean;
}

export function stateDirs(config: Config, uid: number, home: string): StateDirs {
  const host = config.local.stateDir ?? join(config.paths.tmpRoot, LOCAL_HOST_DIR);
  const user = config.local.stateDir ? join(config.local.stateDir, `user.${uid}`) : join(home, '.lsf-docker');
  return { host, user, shared: true };
}

/** What lstat tells about a directory that should be shared, or undefined when it does not exist. */
export interface DirFacts {
  isDirectory: boolean;
  isSymbolicLink: boolean;
  uid: number;
  mode: number;
}

/**
 * Why DIR (described by FACTS) cannot be trusted as a shared dir by UID, or undefined when it
 * can: a real directory owned by root or UID, sticky when group or others may write. Pure.
 */
export function sharedDirProblem(facts: DirFacts | undefined, uid: number): string | undefined {
  if (!facts) return 'does not exist';
  if (facts.isSymbolicLink) return 'is a symbolic link';
  if (!facts.isDirectory) return 'is not a directory';
  if (facts.uid !== 0 && facts.uid !== uid)
    return `is owned by uid ${facts.uid}, not root: its owner could delete or rename everyone's job-id markers and locks`;
  if ((facts.mode & 0o022) !== 0 && (facts.mode & 0o1000) === 0)
    return 'is writable by others but not sticky (chmod +t)';
  return undefined;
}

export function dirFacts(path: string): DirFacts | undefined {
  try {
    const st = lstatSync(path);
    return { isDirectory: st.isDirectory(), isSymbolicLink: st.isSymbolicLink(), uid: st.uid, mode: st.mode };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The provisioning command that makes a shared host dir (what the message tells the administrator). */
export const provisionCommand = (host: string) =>
  `install -d -m 1777 -o root -g root ${host} ${host}/ids ${host}/locks`;

/**
 * Makes sure DIR is a trusted shared dir, creating it (1777) only when we may: as root, or when
 * we own its parent (then nobody else could trust it anyway). Returns why it is not trusted.
 */
function sharedDirUsable(dir: string, uid: number): string | undefined {
  let facts = dirFacts(dir);
  if (!facts && (uid === 0 || dirFacts(dirname(dir))?.uid === uid)) {
    try {
      mkdirSync(dir, { mode: 0o1777 });
      chmodSync(dir, 0o1777);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        return `cannot be created: ${(err as Error).message}`;
    }
    facts = dirFacts(dir);
  }
  return sharedDirProblem(facts, uid);
}

/** Creates (or checks) a private dir of ours: owned by us, 0700. */
export function ensurePrivateDir(dir: string, uid: number): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid)
    throw configError('[local] state_dir', `${dir} is not a directory owned by uid ${uid}`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Prepares the state dirs and returns the ones to use: the shared host dir when it is trusted,
 * else (default location only) a private host dir in the user dir. CONFIGURED: [local] state_dir
 * is set, so an untrusted host dir is the administrator's to fix (a config error naming it).
 */
export function prepareState(dirs: StateDirs, uid: number, configured: boolean): StateDirs {
  let problem: string | undefined;
  let bad = dirs.host;
  for (const dir of [dirs.host, join(dirs.host, 'ids'), join(dirs.host, 'locks')]) {
    problem = sharedDirUsable(dir, uid);
    bad = dir;
    if (problem) break;
  }
  if (problem && configured)
    throw configError(
      '[local] state_dir',
      `${bad} ${problem}; the shared state dir must be made by root: ${provisionCommand(dirs.host)}`,
    );
  ensurePrivateDir(dirs.user, uid);
  ensurePrivateDir(join(dirs.user, 'jobs'), uid);
  if (!problem) return { ...dirs, shared: true };
  const host = join(dirs.user, 'host');
  for (const dir of [host, join(host, 'ids'), join(host, 'locks')]) ensurePrivateDir(dir, uid);
  return { host, user: dirs.user, shared: false };
}

/** LSF's MAX_JOBID range. */
export const MAX_JOB_ID = 2147483646;
/** Ids in the shared host dir: 1..999999 (LSF's default MAX_JOBID), host-wide. */
export const SHARED_MAX_JOB_ID = 999999;
const PER_USER_RANGE = 1_000_000;
const PER_USER_BLOCKS = Math.floor(MAX_JOB_ID / PER_USER_RANGE) - 1;

/**
 * The job ids a user may take: host-wide 1..999999 in the shared host dir; with a private host
 * dir, a block of a million above that chosen by the uid, so that private users' ids do not meet
 * the shared ones (nor, but for uids equal modulo 2146, each other's). Pure.
 */
export function jobIdRange(shared: boolean, uid: number): { first: number; last: number } {
  if (shared) return { first: 1, last: SHARED_MAX_JOB_ID };
  const first = PER_USER_RANGE * (1 + (uid % PER_USER_BLOCKS));
  return { first, last: first + PER_USER_RANGE - 1 };
}

/**
 * The id hint to start from: the highest value in RANGE among the next.<uid> files, each trusted
 * only when it is a regular file owned by the uid in its name (nobody can speak for another).
 */
function hintedStart(hostDir: string, range: { first: number; last: number }): number {
  let start = range.first;
  for (const name of readdirSync(hostDir)) {
    const m = /^next\.(\d+)$/.exec(name);
    if (!m) continue;
    try {
      const file = join(hostDir, name);
      const st = lstatSync(file);
      if (!st.isFile() || st.uid !== Number(m[1])) continue;
      const n = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(n) && n > start && n <= range.last) start = n;
    } catch {
      // a hint being replaced or unreadable: the O_EXCL markers still keep ids unique
    }
  }
  return start;
}

/**
 * A job id unique on this host across users and concurrent bsubs: the marker file ids/<N> is
 * created with O_EXCL (only one creator can win N). The search starts after the highest hint
 * (next.<uid>, each user's own file, replaced by atomic rename) and wraps around within the
 * range, so it is O(1) normally. The hint is best effort: failing to write it (someone else's
 * file in its place) never fails the submission.
 */
export function allocateJobId(dirs: Pick<StateDirs, 'host' | 'shared'>, uid: number): number {
  const range = jobIdRange(dirs.shared, uid);
  const start = hintedStart(dirs.host, range);
  const size = range.last - range.first + 1;
  for (let k = 0; k < size; k++) {
    const id = range.first + ((start - range.first + k) % size);
    try {
      closeSync(openSync(join(dirs.host, 'ids', String(id)), 'wx', 0o644));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      writeAtomic(join(dirs.host, `next.${uid}`), `${id + 1}\n`, 0o644);
    } catch {
      // only a hint
    }
    return id;
  }
  throw new Error(`job ids exhausted (${range.first}..${range.last} all used in ${dirs.host}/ids)`);
}

/** Writes FILE by writing a temp file beside it and renaming it over FILE; the temp file never stays. */
export function writeAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let created = false;
  try {
    const fd = openSync(tmp, 'wx', mode);
    created = true;
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    if (created) rmQuietly(tmp);
    throw err;
  }
}

function rmQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing more to do
  }
}

/** The drain flag of `badmin hclose`. */
export const closedFlag = (dirs: StateDirs) => join(dirs.host, 'closed');

/**
 * Whether the host is closed for a job of UID: the drain flag counts when root set it (for
 * everyone) or UID itself did; a flag another user planted in the shared dir holds only that
 * user's own jobs, so no user can drain the host for the others.
 */
export function hostClosedFor(dirs: StateDirs, uid: number): boolean {
  try {
    const stat = lstatSync(closedFlag(dirs));
    return stat.isFile() && (stat.uid === 0 || stat.uid === uid);
  } catch {
    return false;
  }
}
