import { lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from './atomic.js';
import type { StateDirs } from './state.js';

/**
 * The drain flags of `badmin hclose`, in the host dir: `closed` (root's: the host is closed for
 * everyone) and `closed.<uid>` (a user's own: only that user's jobs wait). The host dir may be
 * writable by every user, so a flag counts only when it is a regular file owned by the uid its
 * name gives (root for `closed`): a planted file or symlink closes nothing, and hclose replaces
 * what is in its place by renaming a new file over it, never writing through it.
 */
export const closedFlag = (dirs: Pick<StateDirs, 'host'>, uid: number) =>
  join(dirs.host, uid === 0 ? 'closed' : `closed.${uid}`);

const ownedFile = (path: string, uid: number) => {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.uid === uid;
  } catch {
    return false;
  }
};

/** Who closed the host for a job of UID: root (for everyone), UID itself, or nobody. */
export function closedBy(dirs: Pick<StateDirs, 'host'>, uid: number): 'root' | 'user' | undefined {
  if (ownedFile(closedFlag(dirs, 0), 0)) return 'root';
  // closed owned by UID: a flag written by UID before per-user flags existed
  if (ownedFile(closedFlag(dirs, uid), uid) || ownedFile(closedFlag(dirs, 0), uid)) return 'user';
  return undefined;
}

export const hostClosedFor = (dirs: Pick<StateDirs, 'host'>, uid: number) =>
  closedBy(dirs, uid) !== undefined;

/** Who has the name of UID's flag when it is not UID's own regular file (undefined when free or ours). */
function squatter(path: string, uid: number): string | undefined {
  try {
    const st = lstatSync(path);
    if (st.isFile() && st.uid === uid) return undefined;
    return `${st.isSymbolicLink() ? 'a symbolic link' : 'a file'} of uid ${st.uid}`;
  } catch {
    return undefined;
  }
}

/**
 * Closes the host for UID's jobs (root: everyone's). Root replaces whatever has the name; a user
 * cannot replace another user's entry in the sticky dir: the error names it (the admin removes it).
 */
export function closeHost(dirs: Pick<StateDirs, 'host'>, uid: number): void {
  const flag = closedFlag(dirs, uid);
  const other = uid === 0 ? undefined : squatter(flag, uid);
  if (other)
    throw new Error(`${flag} is ${other}, not yours: not closing (ask the administrator to remove it)`);
  writeAtomic(flag, `closed by uid ${uid} at ${new Date().toISOString()}\n`, 0o644);
}

/** Opens the host for UID's jobs (root: removes root's flag): only a flag of UID's own is removed. */
export function openHost(dirs: Pick<StateDirs, 'host'>, uid: number): void {
  const flag = closedFlag(dirs, uid);
  if (uid === 0) {
    try {
      unlinkSync(flag);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return;
  }
  if (ownedFile(flag, uid)) unlinkSync(flag);
  const legacy = closedFlag(dirs, 0);
  if (ownedFile(legacy, uid)) unlinkSync(legacy);
}
