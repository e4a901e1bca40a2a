import { Status } from '../kernel/exit-codes.js';
import { err, type Local, sleep } from './context.js';
import { type JobRecord, jobLabel, jobPaths, readRecord } from './record.js';
import { recover } from './recover.js';

const POLL_MS = 200;
/** Every RECOVER_EVERY polls (once a second), what a dead supervisor left is repaired. */
const RECOVER_EVERY = 5;

const finished = (r: JobRecord) => r.status === 'DONE' || r.status === 'EXIT';

/**
 * bsub -K: waits for every element, then exits with the job's status (the first failing
 * element's). Once a second it repairs what a dead supervisor left (so -K never waits forever),
 * and a job that could not start says why.
 */
export async function waitForJob(local: Local, id: number, indexes: number[]): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  for (let poll = 1; ; poll++) {
    let records = indexes
      .map((i) => readRecord(jobPaths(local.dirs, id, i).record))
      .filter((r): r is JobRecord => !!r);
    if (poll % RECOVER_EVERY === 0) records = recover(local, records);
    const execHost = records.find((r) => r.status !== 'PEND' && r.execHost)?.execHost;
    if (!started && execHost) {
      started = true;
      err(`<<Starting on ${records.find((r) => r.execHost)!.execHost}>>\n`);
    }
    if (records.every(finished)) return finalStatus(records);
    await sleep(POLL_MS);
  }
}

function finalStatus(records: JobRecord[]): number {
  for (const r of records)
    if (r.status === 'EXIT' && r.exitReason && !r.exitReason.startsWith('TERM_OWNER'))
      err(`lsf-docker: job ${jobLabel(r)}: ${r.exitReason}\n`);
  err('<<Job is finished>>\n');
  const failed = records.find((r) => r.exitCode !== 0);
  return failed ? (failed.exitCode ?? Status.LSF_COMMAND_FAILED) : Status.OK;
}
