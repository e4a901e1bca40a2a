import { join } from 'node:path';
import { Status } from '../kernel/exit-codes.js';
import { err, type Local } from './context.js';
import { DirChanges } from './dir-changes.js';
import { TERM } from './job-finish.js';
import { finished, type JobRecord, jobLabel, RecordCache } from './record.js';
import { ensureDispatcher } from './wake.js';

/** Without a watch on the jobs dir: a look every POLL_MS. */
const POLL_MS = 100;
/** With one: a record read again when it was written, and every unfinished one every WATCHED_MS. */
const WATCHED_MS = 1000;
/** Every ENSURE_MS the dispatcher is woken (and started if it died). */
const ENSURE_MS = 1000;

/** bsub -K: a job killed before it started (LSF's bsub -K exits 126 then). */
export const KILLED_WHILE_PENDING = Status.CANNOT_EXECUTE;

/**
 * bsub -K: waits for every element, then exits with the job's status (the first failing
 * element's). It reads an element's record again when that record was written (DirChanges names
 * it), and every unfinished one at least once a second (or every POLL_MS without a watch); once a
 * second it makes sure a dispatcher runs (so -K never waits forever for a job whose dispatcher
 * died), and a job that failed says why on stderr.
 */
export async function waitForJob(local: Local, id: number, indexes: number[]): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  const latest = new Map<number, JobRecord>();
  const cache = new RecordCache(local.dirs);
  const changes = new DirChanges(
    join(local.dirs.user, 'jobs'),
    (name) => recordIndex(name, id) !== undefined,
  );
  let ensured = Date.now();
  // A finished element stays finished: only the others are read again, and only when their file
  // changed (an array of 1,000 elements is 1,000 records).
  const look = (at: Iterable<number>) => {
    for (const i of at) {
      if (finishedAt(latest, i)) continue;
      const r = cache.get(id, i);
      if (r) latest.set(i, r);
    }
  };
  let toLook: Iterable<number> = indexes;
  try {
    for (;;) {
      look(toLook);
      if (!started) {
        const execHost = [...latest.values()].find((r) => r.startTime && r.execHost)?.execHost;
        if (execHost) {
          started = true;
          err(`<<Starting on ${execHost}>>\n`);
        }
      }
      if (indexes.every((i) => finishedAt(latest, i)))
        return finalStatus(
          indexes.map((i) => latest.get(i)!),
          started,
        );
      if (Date.now() - ensured >= ENSURE_MS) {
        ensured = Date.now();
        ensureDispatcher(local.dirs, local.configPath, local.home);
      }
      const names = await changes.next(changes.watching ? WATCHED_MS : POLL_MS);
      toLook = names ? [...names].map((n) => recordIndex(n, id)!) : indexes;
    }
  } finally {
    changes.close();
  }
}

const finishedAt = (latest: Map<number, JobRecord>, i: number) => {
  const r = latest.get(i);
  return r !== undefined && finished(r);
};

/** The element index of job ID's record file NAME (`ID.INDEX.json`), else undefined. Pure. */
export function recordIndex(name: string, id: number): number | undefined {
  const m = /^(\d+)\.(\d+)\.json$/.exec(name);
  return m && Number(m[1]) === id ? Number(m[2]) : undefined;
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
