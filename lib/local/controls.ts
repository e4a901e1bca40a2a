import { readFileSync, rmSync } from 'node:fs';
import { writeAtomic } from './atomic.js';
import { TERM } from './job-finish.js';
import type { Control } from './job-run.js';
import { isLocked, release, tryLock } from './lock.js';
import { type JobRecord, jobPaths, pending, readRecord, updateRecord } from './record.js';
import type { StateDirs } from './state.js';

/**
 * Job control across processes. A pending element is changed by whoever takes its element lock
 * (bkill, bstop, bresume, bmod, or the dispatcher about to start it: one at a time, so no change
 * is lost and no killed job starts). A running element's lock is held by its job, so requests for
 * it go to the dispatcher as a file (<id>.<index>.kill: a Control), and the dispatcher is woken.
 */

/** What the request file asks, if there is one. */
export function readControl(path: string): Control | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (/^(TERMINATE|FORCE|REQUEUE|STOP|CONT|SIG[A-Z0-9]+)$/.test(text)) return text as Control;
  return 'TERMINATE';
}

export function takeControl(path: string): Control | undefined {
  const c = readControl(path);
  if (c) rmSync(path, { force: true });
  return c;
}

export function requestControl(dirs: Pick<StateDirs, 'user'>, r: JobRecord, control: Control): void {
  writeAtomic(jobPaths(dirs, r.id, r.index).kill, `${control}\n`);
}

/** The status of an element killed while pending: as if SIGINT (the terminate sequence's first) ended it. */
export const KILLED_PENDING_STATUS = 130;

/**
 * Applies CONTROL to a pending element under its lock: kill (EXIT, TERM_OWNER), STOP (PSUSP),
 * CONT (PEND again). Returns the new record, 'busy' when someone holds the lock (it is being
 * started or changed: ask the dispatcher instead), or undefined when it is no longer pending.
 */
export function controlPending(
  dirs: Pick<StateDirs, 'user'>,
  r: JobRecord,
  control: Control,
): JobRecord | 'busy' | undefined {
  const paths = jobPaths(dirs, r.id, r.index);
  const lock = tryLock(paths.lock);
  if (!lock) return 'busy';
  try {
    const now = readRecord(paths.record);
    if (!now || !pending(now)) return undefined;
    if (control === 'STOP')
      return updateRecord(dirs, r.id, r.index, { status: 'PSUSP' }, 'Suspended by the user while pending');
    if (control === 'CONT')
      return now.status === 'PSUSP'
        ? updateRecord(dirs, r.id, r.index, { status: 'PEND' }, 'Resumed by the user')
        : now;
    if (control === 'REQUEUE') return now;
    return updateRecord(
      dirs,
      r.id,
      r.index,
      {
        status: 'EXIT',
        endTime: Date.now(),
        exitCode: KILLED_PENDING_STATUS,
        exitReason: control === 'FORCE' ? TERM.forceOwner : TERM.owner,
        pendReason: undefined,
      },
      'Killed by the user while pending',
    );
  } finally {
    release(lock);
  }
}

/** Applies a change to a pending element under its lock (bmod); false when busy or no longer pending. */
export function changePending(
  dirs: Pick<StateDirs, 'user'>,
  r: JobRecord,
  change: Partial<JobRecord>,
): boolean {
  const paths = jobPaths(dirs, r.id, r.index);
  const lock = tryLock(paths.lock);
  if (!lock) return false;
  try {
    const now = readRecord(paths.record);
    if (!now || !pending(now)) return false;
    updateRecord(dirs, r.id, r.index, change, 'Parameters of the job modified');
    return true;
  } finally {
    release(lock);
  }
}

/** Whether a RUN element still has its job (the element lock is held by it). */
export const jobAlive = (dirs: Pick<StateDirs, 'user'>, r: JobRecord) =>
  isLocked(jobPaths(dirs, r.id, r.index).lock);
