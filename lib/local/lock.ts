import { closeSync, constants, fchmodSync, fstatSync, openSync } from 'node:fs';
import { LOCK_BUSY, native } from '../host/native.js';
import { childProcess } from '../kernel/builtin.js';

/**
 * Kernel locks that die with their holders: flock(2) on a file, taken in this process by the
 * install's addon (lib/host/native.ts) or else by util-linux `flock -n 3` on a descriptor we
 * opened and share with it. The lock belongs to the open file description, so
 * it stays ours after `flock` exits, passes to the job when the descriptor is inherited, and is
 * released by the kernel when the last process holding it ends (a crashed dispatcher included).
 *
 * Lock files may sit in a directory every user can write (the shared host dir's locks/), so a
 * name may hold anything another user planted: a symlink, a fifo, a directory, or a file we may
 * not open. The file is opened without following a symlink, without blocking on a fifo, read-only
 * (flock needs no more), and used only when it is a regular file: anything else is `unusable`,
 * never an error and never a wait.
 */
export interface HeldLock {
  path: string;
  fd: number;
}

/** What trying a lock found: ours now, held by someone else, or a name we cannot use as a lock. */
export type LockTry = { held: HeldLock } | { busy: true } | { unusable: string };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Opens PATH as a lock file (created with MODE if missing), or says why it cannot be one. */
function openLockFile(path: string, mode: number): number | string {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'is a symbolic link';
    if (code === 'EACCES' || code === 'EPERM') return 'is not readable by us';
    if (code === 'EISDIR') return 'is a directory';
    if (code === 'ENXIO') return 'is a socket';
    throw err;
  }
  try {
    const st = fstatSync(fd);
    // Ours with a umask-narrowed mode: widen it, or the others could not read it and would move on.
    if (st.isFile() && st.uid === process.geteuid!() && (st.mode & 0o777) !== mode) fchmodSync(fd, mode);
    if (st.isFile()) return fd;
  } catch {
    // fall through: not usable
  }
  closeSync(fd);
  return 'is not a regular file';
}

/** flock -n on FD: true when taken, false when someone holds it (the addon, else flock(1)). */
function flockNow(fd: number, path: string): boolean {
  const addon = native();
  if (addon) {
    const errno = addon.flock(fd);
    if (errno === 0) return true;
    if (errno === LOCK_BUSY) return false;
    throw new Error(`flock ${path}: errno ${errno}`);
  }
  const r = childProcess().spawnSync('flock', ['--nonblock', '--conflict-exit-code', '75', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
  });
  if (r.status === 0) return true;
  if (r.status === 75) return false;
  throw new Error(`flock ${path}: ${r.error?.message ?? (String(r.stderr).trim() || `exit ${r.status}`)}`);
}

/** Tries the lock on PATH without waiting. */
export function tryLockFile(path: string, mode = 0o644): LockTry {
  const fd = openLockFile(path, mode);
  if (typeof fd === 'string') return { unusable: fd };
  let taken = false;
  try {
    taken = flockNow(fd, path);
  } finally {
    if (!taken) closeSync(fd);
  }
  return taken ? { held: { path, fd } } : { busy: true };
}

/** Takes the lock on PATH (in a dir of ours) without waiting; undefined when someone holds it or it is unusable. */
export function tryLock(path: string, mode = 0o600): HeldLock | undefined {
  const r = tryLockFile(path, mode);
  return 'held' in r ? r.held : undefined;
}

/** True when someone holds the lock on PATH (free if the file does not exist or is not a lock). */
export function isLocked(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    return !flockNow(fd, path);
  } finally {
    closeSync(fd);
  }
}

export function release(lock: HeldLock): void {
  try {
    closeSync(lock.fd);
  } catch {
    // already closed
  }
}
