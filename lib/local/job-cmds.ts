import { statSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { deliverControl } from './bkill.js';
import { parseCommand } from './command-args.js';
import { err, type Local, openLocal, out } from './context.js';
import { requestControl } from './controls.js';
import { evaluateDependency, parseDependency } from './dependency.js';
import { DirChanges } from './dir-changes.js';
import type { Control } from './job-run.js';
import { actionTargets, select, selectionFrom } from './job-select.js';
import { release, tryLock } from './lock.js';
import {
  finished,
  type JobRecord,
  jobLabel,
  jobPaths,
  listRecords,
  RecordCache,
  readRecord,
  running,
  updateRecord,
} from './record.js';
import { ensureDispatcher } from './wake.js';

function targetsOf(command: string, argv: string[], local: Local, usage: string) {
  const p = parseCommand(
    command,
    argv,
    { flags: ['-a', '-d', '-e', '-r', '-p'], values: ['-J', '-q', '-u'] },
    usage,
  );
  const s = selectionFrom(
    p.operands,
    { name: p.values.get('-J'), queue: p.values.get('-q'), user: p.values.get('-u') },
    local.user,
  );
  return { p, ...actionTargets(listRecords(local.dirs), s, command) };
}

/** bstop and bresume: suspend (USUSP, PSUSP while pending) or resume the jobs named. */
function suspendCommand(command: 'bstop' | 'bresume', control: Control, done: string): Subcommand {
  const usage = `Usage: ${command} [-J NAME] [-q QUEUE] [-u USER|all] [JOBID | "JOBID[INDEX]" | 0] ...`;
  return async (argv, ctx) => {
    const local = openLocal(ctx.config);
    const { chosen, missing } = targetsOf(command, argv, local, usage);
    let status: number = Status.OK;
    for (const label of missing) {
      err(`Job <${label}>: No matching job found\n`);
      status = Status.LSF_COMMAND_FAILED;
    }
    const told = new Set<number>();
    for (const { record, result } of deliverControl(local, chosen, control)) {
      if (told.has(record.id)) continue;
      told.add(record.id);
      if (result === 'finished') {
        err(`Job <${record.id}>: Job has already finished\n`);
        status = Status.LSF_COMMAND_FAILED;
      } else out(`Job <${record.id}> is being ${done}\n`);
    }
    return status;
  };
}

export const bstop = suspendCommand('bstop', 'STOP', 'stopped');
export const bresume = suspendCommand('bresume', 'CONT', 'resumed');

/** A finished element back to PEND, its run forgotten (brequeue). */
function requeueFinished(local: Local, r: JobRecord): boolean {
  const paths = jobPaths(local.dirs, r.id, r.index);
  const lock = tryLock(paths.lock);
  if (!lock) return false;
  try {
    const now = readRecord(paths.record);
    if (!now || !finished(now)) return false;
    const clear = { startTime: undefined, endTime: undefined, exitCode: undefined, exitReason: undefined };
    updateRecord(
      local.dirs,
      r.id,
      r.index,
      {
        ...clear,
        status: 'PEND',
        execHost: undefined,
        jobPid: undefined,
        usage: undefined,
        failure: undefined,
      },
      'Requeued by the user (brequeue)',
    );
    return true;
  } finally {
    release(lock);
  }
}

/** brequeue [-d] [-e] [-r] [-a]: DONE (-d) and EXIT (-e) jobs pend again (both by default); -r running ones too; -a all. */
export const brequeue: Subcommand = async (argv, ctx) => {
  const usage = 'Usage: brequeue [-a] [-d] [-e] [-r] [-J NAME] [-q QUEUE] [-u USER|all] JOBID ...';
  const local = openLocal(ctx.config);
  const { p, chosen, missing } = targetsOf('brequeue', argv, local, usage);
  const any = ['-a', '-d', '-e', '-r'].some((f) => p.flags.has(f));
  const wants = (r: JobRecord) =>
    p.flags.has('-a') ||
    (r.status === 'DONE' && (p.flags.has('-d') || !any)) ||
    (r.status === 'EXIT' && (p.flags.has('-e') || !any)) ||
    (running(r) && p.flags.has('-r'));
  let status: number = Status.OK;
  for (const label of missing) {
    err(`Job <${label}>: No matching job found\n`);
    status = Status.LSF_COMMAND_FAILED;
  }
  for (const r of chosen) {
    if (!wants(r)) {
      err(`Job <${jobLabel(r)}>: Job is not in a state that can be requeued\n`);
      status = Status.LSF_COMMAND_FAILED;
    } else if (running(r)) {
      requestControl(local.dirs, r, 'REQUEUE');
      out(`Job <${jobLabel(r)}> is being requeued\n`);
    } else if (requeueFinished(local, r)) out(`Job <${jobLabel(r)}> is being requeued\n`);
  }
  ensureDispatcher(local.dirs, local.configPath, local.home);
  return status;
};

/**
 * bwait -w "CONDITION" [-t MINUTES]: waits until the dependency condition (bsub -w's grammar,
 * over your jobs) holds. Exits 0 then; 1 when it can never hold; 124 when -t passes first.
 */
/** bwait looks at every record at least this often, and then makes sure a dispatcher runs. */
const FULL_LOOK_MS = 5000;

export const bwait: Subcommand = async (argv, ctx) => {
  const usage = 'Usage: bwait -w "CONDITION" [-t MINUTES]';
  const p = parseCommand('bwait', argv, { flags: [], values: ['-w', '-t'] }, usage);
  const text = p.values.get('-w');
  if (!text || p.operands.length > 0) throw usageError(usage);
  const minutes = p.values.get('-t');
  if (minutes !== undefined && !/^\d{1,6}$/.test(minutes))
    throw usageError(`bwait -t "${minutes}": want MINUTES`);
  const node = parseDependency(text);
  const local = openLocal(ctx.config);
  const end = minutes === undefined ? Number.POSITIVE_INFINITY : Date.now() + Number(minutes) * 60_000;
  // The records are read again only when the jobs dir changed (every record is written by a
  // rename into it: DirChanges wakes the loop then, or it looks every 100 ms without a watch), and
  // at least every 5 s. A record is parsed again only when its file changed (RecordCache):
  // thousands of finished jobs cost a stat each.
  let seen: bigint | undefined;
  let looked = 0;
  const cache = new RecordCache(local.dirs);
  const changes = new DirChanges(join(local.dirs.user, 'jobs'), (name) => name.endsWith('.json'));
  try {
    for (;;) {
      const stamp = jobsDirStamp(local);
      const due = Date.now() - looked >= FULL_LOOK_MS;
      if (due || stamp === undefined || stamp !== seen) {
        seen = stamp;
        const records = cache.refresh().records;
        const value = evaluateDependency(node, records);
        if (value === 'yes') return Status.OK;
        if (value === 'never') {
          err(`bwait: the wait condition "${text}" will never be satisfied\n`);
          return Status.FAILED;
        }
        if (due && select(records, { ids: [], all: true }).chosen.some((r) => !finished(r)))
          ensureDispatcher(local.dirs, local.configPath, local.home);
        if (due) looked = Date.now();
      }
      if (Date.now() > end) {
        err(`bwait: the wait condition "${text}" was not satisfied within ${minutes} minute(s)\n`);
        return Status.TIMED_OUT;
      }
      const wait = changes.watching ? FULL_LOOK_MS : 100;
      await changes.next(Math.max(10, Math.min(wait, end - Date.now())));
    }
  } finally {
    changes.close();
  }
};

/** The jobs dir's modification time (ns), undefined when it cannot be read. */
function jobsDirStamp(local: Local): bigint | undefined {
  try {
    return statSync(join(local.dirs.user, 'jobs'), { bigint: true }).mtimeNs;
  } catch {
    return undefined;
  }
}
