import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * Kernel locks that die with their holders: flock(2) on a file, taken by util-linux `flock -n 3`
 * on a descriptor we opened and share with it. The lock belongs to the open file description, so
 * it stays ours after `flock` exits, passes to the job when the descriptor is inherited, and is
 * released by the kernel when the last process holding it ends (a crashed supervisor included).
 */
export interface HeldLock {
  path: string;
  fd: number;
}

/** Takes the lock on PATH (created with MODE if missing) without waiting; undefined when someone holds it. */
export function tryLock(path: string, mode = 0o644): HeldLock | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'a', mode);
  } catch {
    fd = openSync(path, 'r');
  }
  const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', '75', '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' },
  });
  if (r.status === 0) return { path, fd };
  closeSync(fd);
  if (r.status === 75) return undefined;
  throw new Error(`flock ${path}: ${r.error?.message ?? String(r.stderr).trim() ?? `exit ${r.status}`}`);
}

/** True when someone holds the lock on PATH (it is free if the file does not exist). */
export function isLocked(path: string): boolean {
  let lock: HeldLock | undefined;
  try {
    lock = tryLock(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (lock) release(lock);
  return lock === undefined;
}

export function release(lock: HeldLock): void {
  try {
    closeSync(lock.fd);
  } catch {
    // already closed
  }
}
