import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { JobTarget } from '../kernel/grammar/job-id.js';
import { parseSignal } from '../kernel/signals.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { terminate } from '../scheduler/lsf/terminate.js';
import { alive, err, type Local, openLocal, out } from './context.js';
import { matches, parseJobIds, unmatched } from './job-ids.js';
import { TERMINATE_REQUEST } from './kill-requests.js';
import { release, tryLock } from './lock.js';
import { type JobRecord, jobLabel, jobPaths, listRecords, updateRecord } from './record.js';
import { justSubmitted, recover } from './recover.js';
import { writeAtomic } from './state.js';

function bkillArgs(argv: string[]): { signal?: string; ids: string[] } {
  let signal: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-s') {
      const v = argv[++i];
      if (!v) throw usageError('bkill -s needs a signal (e.g. KILL, TERM, 9)');
      signal = parseSignal(v);
      if (!signal)
        throw usageError(
          `bkill -s ${v}: not a signal this host knows (HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP)`,
        );
    } else if (w.startsWith('-')) throw usageError(`bkill: unknown option ${w} (-s SIG, JOBID...)`);
    else ids.push(w);
  }
  if (ids.length === 0) throw usageError('bkill: give a job id (or 0 for all your jobs)');
  return { signal, ids };
}

export const bkill: Subcommand = async (argv, ctx) => {
  const { signal, ids } = bkillArgs(argv);
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  const everyJob = ids.includes('0');
  const wanted = everyJob ? [] : parseJobIds(ids);
  const targets = records.filter((r) =>
    everyJob ? r.status === 'PEND' || r.status === 'RUN' : matches(r, wanted),
  );
  let status: number = Status.OK;
  for (const label of everyJob ? [] : unmatched(targets, wanted)) {
    err(`Job <${label}>: No matching job found\n`);
    status = Status.LSF_COMMAND_FAILED;
  }
  const told = new Set<string>();
  const tell = (label: string, write: (text: string) => unknown, text: string) => {
    if (!told.has(label)) write(`Job <${label}>${text}`);
    told.add(label);
  };
  for (const r of targets) {
    const label = labelOf(r, everyJob, wanted);
    if (r.status === 'DONE' || r.status === 'EXIT') {
      tell(label, err, ': Job has already finished\n');
      status = Status.LSF_COMMAND_FAILED;
      continue;
    }
    await killElement(local, r, signal);
    tell(label, out, ` is being ${signal ? 'signaled' : 'terminated'}\n`);
  }
  return status;
};

/** An element is named by itself only when the command named elements; else by its job id. */
const labelOf = (r: JobRecord, everyJob: boolean, wanted: JobTarget[]) =>
  r.index > 0 && !everyJob && wanted.some((j) => j.index !== undefined) ? jobLabel(r) : String(r.id);

/** Hands the kill to the element's supervisor (request file), or does it here when the supervisor is gone. */
async function killElement(local: Local, r: JobRecord, signal: string | undefined): Promise<void> {
  const paths = jobPaths(local.dirs, r.id, r.index);
  const request = () => writeAtomic(paths.kill, `${signal ?? TERMINATE_REQUEST}\n`);
  if (alive(r.supervisorPid) || justSubmitted(r)) return request();
  if (r.status === 'PEND') {
    const lock = tryLock(paths.lock, 0o600);
    if (!lock) return request();
    try {
      updateRecord(local.dirs, r.id, r.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitReason: 'TERM_OWNER: job killed by owner while pending',
      });
    } finally {
      release(lock);
    }
    return;
  }
  // A running job whose supervisor died: signal its process group from here.
  if (!r.jobPid) return;
  const send = (s: string) => {
    try {
      process.kill(r.interactive ? r.jobPid! : -r.jobPid!, s as NodeJS.Signals);
    } catch {
      // gone
    }
  };
  if (signal) return send(signal);
  await terminate(send, local.config.job.terminateInterval);
}
