import { release, tryLock } from './lock.js';
import { type JobRecord, jobPaths, pending, readRecord, updateRecord } from './record.js';
import type { StateDirs } from './state.js';

/**
 * Records why the pending element R waits, when that changed (a thousand pending jobs are not
 * rewritten), under the element's lock and only while it still pends.
 */
export function notePendReason(dirs: StateDirs, r: JobRecord, reason: string): void {
  if (r.pendReason === reason) return;
  const paths = jobPaths(dirs, r.id, r.index);
  const lock = tryLock(paths.lock);
  if (!lock) return;
  try {
    const now = readRecord(paths.record);
    if (now && pending(now)) updateRecord(dirs, r.id, r.index, { pendReason: reason });
  } finally {
    release(lock);
  }
}
