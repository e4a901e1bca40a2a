import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import {
  bsubArgsOf,
  parseJobName,
  parseLimit,
  parseResReq,
  scanBsubOptions,
} from '../scheduler/lsf/bsub-options.js';
import { parseBeginTime, parseRunLimit } from '../scheduler/lsf/bsub-values.js';
import { err, openLocal, out } from './context.js';
import { changePending } from './controls.js';
import { parseDependency } from './dependency.js';
import { select, selectionFrom } from './job-select.js';
import { type JobRecord, listRecords, pending } from './record.js';
import { wakeDispatcher } from './wake.js';

const USAGE = `Usage: bmod [-q QUEUE] [-J NAME] [-n N] [-M MEM | -Mn] [-W LIMIT | -Wn] [-w COND | -wn] [-R RES]
            [-o FILE | -on] [-e FILE | -en] [-P PROJECT] [-g GROUP] [-b TIME | -bn] [-E CMD | -En]
            [-Ep CMD | -Epn] [-x] JOBID | "JOBID[INDEX]"
Changes a pending job (the local LSF changes no running job).`;

/** The -Xn forms that take a parameter away, and the record fields they clear. */
const REMOVALS: Record<string, Array<keyof JobRecord>> = {
  '-Mn': ['memLimit'],
  '-Wn': ['runLimit'],
  '-wn': ['dependency'],
  '-on': ['out'],
  '-en': ['err'],
  '-bn': ['beginTime'],
  '-En': ['preExec'],
  '-Epn': ['postExec'],
  '-Pn': ['project'],
  '-gn': ['jobGroup'],
};
const SUPPORTED = new Set([
  '-q',
  '-J',
  '-n',
  '-M',
  '-W',
  '-w',
  '-R',
  '-o',
  '-oo',
  '-e',
  '-eo',
  '-P',
  '-g',
  '-b',
  '-E',
  '-Ep',
  '-x',
]);

/** The record change bmod's options ask for (checked as bsub checks them). */
export function modification(
  argv: string[],
  now = Date.now(),
): { change: Partial<JobRecord>; rest: string[] } {
  const removed = argv.filter((w) => w in REMOVALS);
  const { options, rest } = scanBsubOptions(
    argv.filter((w) => !(w in REMOVALS)),
    'bmod',
  );
  const other = options.find((o) => !SUPPORTED.has(o.key));
  if (other) throw usageError(`bmod ${other.key}: not supported by the local LSF`);
  const a = bsubArgsOf(options, []);
  const change: Partial<JobRecord> = {};
  for (const w of removed)
    for (const field of REMOVALS[w]!) (change as Record<string, undefined>)[field] = undefined;
  const keys = new Set(options.map((o) => o.key));
  if (a.queue) change.queue = a.queue;
  if (a.jobName) {
    if (parseJobName(a.jobName).indexes) throw usageError('bmod -J: an array cannot be made by bmod');
    change.name = a.jobName;
  }
  if (keys.has('-n')) change.slots = a.slots;
  if (a.memLimit) change.memLimit = parseLimit(a.memLimit, 'KB');
  if (a.runLimit) change.runLimit = parseRunLimit(a.runLimit);
  if (a.dependency) {
    parseDependency(a.dependency);
    change.dependency = a.dependency;
  }
  if (a.resReq.length) {
    const res = parseResReq(a.resReq.join(' '));
    Object.assign(change, { resReq: a.resReq.join(' '), ports: res.ports });
  }
  if (a.out) change.out = a.out;
  if (a.err) change.err = a.err;
  if (a.project) change.project = a.project;
  if (a.jobGroup) change.jobGroup = a.jobGroup;
  if (a.beginTime) change.beginTime = parseBeginTime(a.beginTime, now);
  if (a.preExec) change.preExec = a.preExec;
  if (a.postExec) change.postExec = a.postExec;
  if (a.exclusive) change.exclusive = true;
  return { change, rest };
}

export const bmod: Subcommand = async (argv, ctx) => {
  if (argv.length === 0) throw usageError(USAGE);
  const { change, rest } = modification(argv);
  if (rest.length !== 1) throw usageError(`bmod: give one job id after the options\n${USAGE}`);
  const local = openLocal(ctx.config);
  const s = selectionFrom(rest, {}, local.user);
  const { chosen, missing } = select(listRecords(local.dirs), s);
  if (missing.length > 0) {
    err(`${missing[0]}: No matching job found\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  const slots = change.slots;
  if (slots !== undefined && slots > local.config.local.slots)
    throw usageError(`bmod -n ${slots}: this host has ${local.config.local.slots} slot(s)`);
  let status: number = Status.OK;
  for (const r of chosen) {
    const element = r.index > 0 && change.name ? { ...change, name: `${change.name}[${r.index}]` } : change;
    if (!pending(r) || !changePending(local.dirs, r, element)) {
      err(`Job <${r.id}>: the local LSF changes only pending jobs\n`);
      status = Status.LSF_COMMAND_FAILED;
    }
  }
  if (status === Status.OK) out(`Parameters of job <${rest[0]}> are being changed\n`);
  wakeDispatcher(local.dirs);
  return status;
};
