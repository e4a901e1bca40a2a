import { join } from 'node:path';
import { Status } from '../kernel/exit-codes.js';
import { err, type Local } from './context.js';
import { DirChanges } from './dir-changes.js';
import { TERM } from './job-finish.js';
import { finished, type JobRecord, jobLabel, RecordCache } from './record.js';
import { ensureDispatcher } from './wake.js';

/** Without a watch on the jobs dir: a look every POLL_MS. */
const POLL_MS = 100;
/** With one: a look at each change to one of the job's records, and at least every WATCHED_MS. */
const WATCHED_MS = 1000;
/** Every ENSURE_MS the dispatcher is woken (and started if it died). */
const ENSURE_MS = 1000;

/** bsub -K: a job killed before it started (LSF's bsub -K exits 126 then). */
export const KILLED_WHILE_PENDING = Status.CANNOT_EXECUTE;

/**
 * bsub -K: waits for every element, then exits with the job's status (the first failing
 * element's). It looks again when one of the job's records was written (DirChanges), polling only
 * without a watch; once a second it makes sure a dispatcher runs (so -K never waits forever for a
 * job whose dispatcher died), and a job that failed says why on stderr.
 */
export async function waitForJob(local: Local, id: number, indexes: number[]): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  const done = new Map<number, JobRecord>();
  const cache = new RecordCache(local.dirs);
  const mine = `${id}.`;
  const changes = new DirChanges(join(local.dirs.user, 'jobs'), (name) => name.startsWith(mine));
  let ensured = Date.now();
  try {
    for (;;) {
      // A finished element stays finished: only the others are looked at again, and read again
      // only when their file changed (an array of 1,000 elements is 1,000 records).
      const records = indexes.map((i) => done.get(i) ?? cache.get(id, i)).filter((r): r is JobRecord => !!r);
      for (const r of records) if (finished(r)) done.set(r.index, r);
      const execHost = records.find((r) => r.startTime && r.execHost)?.execHost;
      if (!started && execHost) {
        started = true;
        err(`<<Starting on ${execHost}>>\n`);
      }
      if (records.every(finished)) return finalStatus(records, started);
      if (Date.now() - ensured >= ENSURE_MS) {
        ensured = Date.now();
        ensureDispatcher(local.dirs, local.configPath, local.home);
      }
      await changes.next(changes.watching ? Math.min(WATCHED_MS, ENSURE_MS) : POLL_MS);
    }
  } finally {
    changes.close();
  }
}

function finalStatus(records: JobRecord[], started: boolean): number {
  for (const r of records) if (r.failure) err(`lsf-docker: job ${jobLabel(r)}: ${r.failure}\n`);
  err('<<Job is finished>>\n');
  const killedPending = records.every(
    (r) => r.exitReason?.startsWith('TERM_') && r.startTime === undefined && r.exitReason !== TERM.preExec,
  );
  if (!started && killedPending) return KILLED_WHILE_PENDING;
  const failed = records.find((r) => r.exitCode !== 0);
  return failed ? (failed.exitCode ?? Status.LSF_COMMAND_FAILED) : Status.OK;
}
