import { alive, type Local } from './context.js';
import { isLocked, release, tryLock } from './lock.js';
import { type JobRecord, jobPaths, readRecord, updateRecord } from './record.js';
import { startSupervisor } from './supervisor.js';

/** A PEND element this young may not have its supervisor yet. */
const SUPERVISOR_GRACE_MS = 2000;

/**
 * Repairs what dead supervisors left: a PEND element nobody holds gets a new supervisor (the
 * element lock makes a double start impossible); a RUN element nobody holds ended unrecorded.
 */
export function recover(local: Local, records: JobRecord[]): JobRecord[] {
  const restarted = new Set<number>();
  return records.map((r) => {
    if (r.status !== 'PEND' && r.status !== 'RUN') return r;
    if (alive(r.supervisorPid) && r.supervisorPid !== process.pid) return r;
    const paths = jobPaths(local.dirs, r.id, r.index);
    if (Date.now() - r.submitTime < SUPERVISOR_GRACE_MS && r.status === 'PEND') return r;
    if (isLocked(paths.lock)) return r;
    if (r.interactive) return ended(local, r, 'the submitting bsub ended');
    if (r.status === 'PEND') {
      if (!restarted.has(r.id)) startSupervisor(local, r);
      restarted.add(r.id);
      return r;
    }
    const lock = tryLock(paths.lock, 0o600);
    if (!lock) return r;
    try {
      const now = readRecord(paths.record);
      if (now?.status !== 'RUN') return now ?? r;
      return ended(local, r, 'its supervisor died; the exit status is unknown');
    } finally {
      release(lock);
    }
  });
}

const ended = (local: Local, r: JobRecord, exitReason: string) =>
  updateRecord(local.dirs, r.id, r.index, { status: 'EXIT', endTime: Date.now(), exitReason });

/** Whether a PEND element is so young that its supervisor may still be starting. */
export const justSubmitted = (r: JobRecord) =>
  r.status === 'PEND' && Date.now() - r.submitTime < SUPERVISOR_GRACE_MS;
