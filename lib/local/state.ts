import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { configError } from '../errors.js';

/**
 * Where the local LSF keeps its state (docs/user-guide-local-lsf.md, "State"):
 *  - the host dir: host-wide facts shared by every user, in a sticky world-writable directory
 *    (like /tmp): the job-id markers ids/<N>, the users' id hints next.<uid>, the slot, port and
 *    GPU lock files, and the drain flag `closed`. Default <[paths] tmp_root>/lsf-docker.host, or
 *    [local] state_dir when set.
 *  - the user dir: one user's jobs (records, environments, output spools, supervisor locks),
 *    0700. Default ~/.lsf-docker (the home from the user database), or <state_dir>/user.<uid>.
 */
export interface StateDirs {
  host: string;
  user: string;
}

export function stateDirs(config: Config, uid: number, home: string): StateDirs {
  const host = config.local.stateDir ?? join(config.paths.tmpRoot, 'lsf-docker.host');
  const user = config.local.stateDir ? join(config.local.stateDir, `user.${uid}`) : join(home, '.lsf-docker');
  return { host, user };
}

/** Creates (or checks) a shared sticky dir: owned by root or us, and sticky when others may write. */
export function ensureSharedDir(dir: string, uid: number): void {
  try {
    mkdirSync(dir, { mode: 0o1777 });
    chmodSync(dir, 0o1777);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw configError('[local] state_dir', `cannot create ${dir}: ${(err as Error).message}`);
    }
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw configError('[local] state_dir', `${dir} is not a directory`);
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0)
    throw configError('[local] state_dir', `${dir} is writable by everyone but not sticky (chmod +t)`);
  if (st.uid !== 0 && st.uid !== uid && (st.mode & 0o1000) === 0)
    throw configError('[local] state_dir', `${dir} is owned by uid ${st.uid} and not sticky`);
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

export function prepareState(dirs: StateDirs, uid: number): void {
  ensureSharedDir(dirs.host, uid);
  ensureSharedDir(join(dirs.host, 'ids'), uid);
  ensureSharedDir(join(dirs.host, 'locks'), uid);
  ensurePrivateDir(dirs.user, uid);
  ensurePrivateDir(join(dirs.user, 'jobs'), uid);
}

/** LSF's MAX_JOBID range. */
export const MAX_JOB_ID = 2147483646;

/**
 * A job id unique on this host across users and concurrent bsubs: the marker file ids/<N> is
 * created with O_EXCL (only one creator can win N). The search starts after the highest hint any
 * user left (next.<uid>, each user's own file, replaced by atomic rename), so it is O(1) normally.
 */
export function allocateJobId(hostDir: string, uid: number): number {
  let start = 1;
  for (const name of readdirSync(hostDir)) {
    if (!/^next\.\d+$/.test(name)) continue;
    try {
      const n = Number(readFileSync(join(hostDir, name), 'utf8').trim());
      if (Number.isInteger(n) && n >= start && n < MAX_JOB_ID) start = n;
    } catch {
      // a hint being replaced or unreadable: the O_EXCL markers still keep ids unique
    }
  }
  for (let id = start; id <= MAX_JOB_ID; id++) {
    try {
      closeSync(openSync(join(hostDir, 'ids', String(id)), 'wx', 0o644));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    writeAtomic(join(hostDir, `next.${uid}`), `${id + 1}\n`, 0o644);
    return id;
  }
  throw new Error('job ids exhausted');
}

/** Writes FILE by writing a temp file beside it and renaming it over FILE. */
export function writeAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  renameSync(tmp, file);
}

/** The drain flag of `badmin hclose`. */
export const closedFlag = (dirs: StateDirs) => join(dirs.host, 'closed');
