import { Status } from '../kernel/exit-codes.js';
import { err, type Local, sleep } from './context.js';
import { TERM } from './job-finish.js';
import { finished, type JobRecord, jobLabel, RecordCache } from './record.js';
import { ensureDispatcher } from './wake.js';

const POLL_MS = 100;
/** Every ENSURE_EVERY polls (once a second) the dispatcher is woken (and started if it died). */
const ENSURE_EVERY = 10;

/** bsub -K: a job killed before it started (LSF's bsub -K exits 126 then). */
export const KILLED_WHILE_PENDING = Status.CANNOT_EXECUTE;

/**
 * bsub -K: waits for every element, then exits with the job's status (the first failing
 * element's). Once a second it makes sure a dispatcher runs (so -K never waits forever for a job
 * whose dispatcher died), and a job that failed says why on stderr.
 */
export async function waitForJob(local: Local, id: number, indexes: number[]): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  const done = new Map<number, JobRecord>();
  const cache = new RecordCache(local.dirs);
  for (let poll = 1; ; poll++) {
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
    if (poll % ENSURE_EVERY === 0) ensureDispatcher(local.dirs, local.configPath, local.home);
    await sleep(POLL_MS);
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
