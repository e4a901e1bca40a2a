import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import { parseSignal } from '../kernel/signals.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { parseCommand } from './command-args.js';
import { err, type Local, openLocal, out } from './context.js';
import { controlPending, requestControl } from './controls.js';
import type { Control } from './job-run.js';
import { actionTargets, selectionFrom } from './job-select.js';
import { finished, type JobRecord, jobLabel, listRecords, pending } from './record.js';
import { ensureDispatcher } from './wake.js';

const USAGE =
  'Usage: bkill [-r] [-b] [-s SIGNAL] [-J NAME] [-q QUEUE] [-u USER|all] [JOBID | "JOBID[INDEX]" | 0] ...';

/**
 * Hands CONTROL to each of TARGETS: a pending element is changed here (under its lock); a
 * running one (or one being started) gets a request file, and the dispatcher is woken (started if
 * it is gone). Returns how each fared, for the command's messages.
 */
export function deliverControl(local: Local, targets: JobRecord[], control0: Control) {
  const control = normalize(control0);
  let dispatcher = false;
  const results: Array<{ record: JobRecord; result: 'done' | 'finished' | 'requested' }> = [];
  for (const r of targets) {
    if (finished(r)) {
      results.push({ record: r, result: 'finished' });
      continue;
    }
    const changed = pending(r) ? controlPending(local.dirs, r, control) : 'busy';
    if (changed === undefined || changed === 'busy') {
      requestControl(local.dirs, r, control);
      dispatcher ||= !r.interactive;
      results.push({ record: r, result: 'requested' });
    } else results.push({ record: r, result: 'done' });
  }
  if (dispatcher) ensureDispatcher(local.dirs, local.configPath, local.home);
  return results;
}

/** bkill -s STOP/TSTP/CONT are bstop and bresume. */
const normalize = (c: Control): Control =>
  c === 'SIGSTOP' || c === 'SIGTSTP' ? 'STOP' : c === 'SIGCONT' ? 'CONT' : c;

/** An element is named by itself only when the command named elements; else by its job id. */
const labelOf = (r: JobRecord, elements: boolean) => (elements ? jobLabel(r) : String(r.id));

export const bkill: Subcommand = async (argv, ctx) => {
  const p = parseCommand('bkill', argv, { flags: ['-r', '-b'], values: ['-s', '-J', '-q', '-u'] }, USAGE);
  const signalText = p.values.get('-s');
  const signal = signalText === undefined ? undefined : parseSignal(signalText);
  if (signalText !== undefined && !signal)
    throw usageError(
      `bkill -s ${signalText}: not a signal this host knows (HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP)`,
    );
  if (signal && p.flags.has('-r')) throw usageError('bkill: -r and -s cannot be combined');
  const local = openLocal(ctx.config);
  const s = selectionFrom(
    p.operands,
    { name: p.values.get('-J'), queue: p.values.get('-q'), user: p.values.get('-u') },
    local.user,
  );
  const records = listRecords(local.dirs);
  const { chosen, missing } = actionTargets(
    s.all || s.ids.length === 0 ? records.filter((r) => !finished(r)) : records,
    s,
    'bkill',
  );
  let status: number = Status.OK;
  for (const label of missing) {
    err(`Job <${label}>: No matching job found\n`);
    status = Status.LSF_COMMAND_FAILED;
  }
  if (chosen.length === 0 && missing.length === 0) {
    err('No unfinished job found\n');
    return Status.LSF_COMMAND_FAILED;
  }
  const control: Control = p.flags.has('-r') ? 'FORCE' : ((signal as Control | undefined) ?? 'TERMINATE');
  const elements = s.ids.some((j) => j.index !== undefined);
  const told = new Set<string>();
  for (const { record, result } of deliverControl(local, chosen, control)) {
    const label = labelOf(record, elements);
    if (told.has(label)) continue;
    told.add(label);
    if (result === 'finished') {
      err(`Job <${label}>: Job has already finished\n`);
      status = Status.LSF_COMMAND_FAILED;
    } else out(`Job <${label}> is being ${signal ? 'signaled' : 'terminated'}\n`);
  }
  return status;
};
