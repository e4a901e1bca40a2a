import { closeSync, lstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.js';
import type { StateDirs } from './state.js';

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
