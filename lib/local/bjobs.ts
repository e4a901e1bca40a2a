import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { bjobsNothingStatus } from '../scheduler/lsf/facts.js';
import { parseFormat, renderFormat, renderJson } from './bjobs-format.js';
import { renderBjobsLong } from './bjobs-long.js';
import { renderBjobsTable } from './bjobs-table.js';
import { parseCommand } from './command-args.js';
import { err, type Local, openLocal, out } from './context.js';
import { imageLine } from './image-line.js';
import { select, selectionFrom } from './job-select.js';
import { finished, type JobRecord, listRecords, pending, running } from './record.js';
import type { StateDirs } from './state.js';
import { ensureDispatcher } from './wake.js';

/** bjobs -a and -d show finished jobs for this long (LSF's CLEAN_PERIOD). */
export const CLEAN_PERIOD_MS = 3600_000;
const SEPARATOR = '------------------------------------------------------------------------------\n';

const USAGE =
  'Usage: bjobs [-a] [-d] [-p] [-r] [-s] [-w] [-l] [-noheader] [-o "FIELDS" [-json]] [-J NAME] [-q QUEUE] [-u USER|all] [JOBID ...]';
const TABLE = {
  flags: ['-a', '-d', '-p', '-r', '-s', '-w', '-l', '-W', '-noheader', '-json', '-A', '-X'],
  values: ['-J', '-q', '-u', '-o', '-m', '-P', '-g', '-G'],
};
const UNSUPPORTED = ['-A', '-X', '-W', '-m', '-P', '-g', '-G'];

/** Which states -a/-d/-p/-r/-s ask for; undefined: the default (unfinished jobs). */
function stateFilter(flags: Set<string>): ((r: JobRecord, now: number) => boolean) | undefined {
  const recent = (r: JobRecord, now: number) => finished(r) && (r.endTime ?? 0) >= now - CLEAN_PERIOD_MS;
  const wanted: Array<(r: JobRecord, now: number) => boolean> = [];
  if (flags.has('-a')) wanted.push((r, now) => !finished(r) || recent(r, now));
  if (flags.has('-d')) wanted.push(recent);
  if (flags.has('-p')) wanted.push((r) => pending(r));
  if (flags.has('-r')) wanted.push((r) => r.status === 'RUN');
  if (flags.has('-s'))
    wanted.push((r) => r.status === 'USUSP' || r.status === 'SSUSP' || r.status === 'PSUSP');
  if (wanted.length === 0) return undefined;
  return (r, now) => wanted.some((w) => w(r, now));
}

/** LSF's exit status when nothing matched: 0, unless LSB_BJOBS_CONSISTENT_EXIT_CODE=Y. */
const nothingStatus = () => bjobsNothingStatus(process.env);

function render(shown: JobRecord[], p: ReturnType<typeof parseCommand>, dirs: StateDirs): string {
  const format = p.values.get('-o') ?? process.env.LSB_BJOBS_FORMAT;
  if (p.flags.has('-json') && !format) throw usageError('bjobs -json needs -o "FIELDS"');
  if (p.flags.has('-json') && p.flags.has('-noheader'))
    throw usageError('bjobs: -json and -noheader cannot be combined');
  if (format) {
    const f = parseFormat(format);
    return p.flags.has('-json') ? renderJson(shown, f) : renderFormat(shown, f, p.flags.has('-noheader'));
  }
  if (p.flags.has('-l')) return shown.map((r) => renderBjobsLong(r) + imageLine(dirs, r)).join(SEPARATOR);
  return renderBjobsTable(shown, {
    wide: p.flags.has('-w'),
    reasons: p.flags.has('-p'),
    noHeader: p.flags.has('-noheader'),
  });
}

/** When jobs wait or run and no dispatcher listens (it died, the host rebooted), one is started. */
export function keepDispatching(local: Local, records: JobRecord[]): void {
  if (records.some((r) => !r.interactive && (pending(r) || running(r))))
    ensureDispatcher(local.dirs, local.configPath, local.home);
}

export const bjobs: Subcommand = async (argv, ctx) => {
  const p = parseCommand('bjobs', argv, TABLE, USAGE);
  const refused = UNSUPPORTED.find((o) => p.flags.has(o) || p.values.has(o));
  if (refused) throw usageError(`bjobs ${refused}: not supported by the local LSF\n${USAGE}`);
  const local = openLocal(ctx.config);
  const s = selectionFrom(
    p.operands,
    { name: p.values.get('-J'), queue: p.values.get('-q'), user: p.values.get('-u') },
    local.user,
  );
  const records = listRecords(local.dirs);
  keepDispatching(local, records);
  const now = Date.now();
  const { chosen, missing } = select(records, s);
  const filter = stateFilter(p.flags);
  const shown = chosen.filter((r) => (filter ? filter(r, now) : s.ids.length > 0 || !finished(r)));
  let status: number = Status.OK;
  for (const label of missing) {
    err(`Job <${label}> is not found\n`);
    status = Status.LSF_COMMAND_FAILED;
  }
  if (shown.length === 0) {
    if (missing.length > 0) return status;
    const what =
      p.flags.has('-p') && !p.flags.has('-a')
        ? 'No pending job found'
        : p.flags.has('-a') || p.flags.has('-d')
          ? 'No job found'
          : 'No unfinished job found';
    err(`${what}\n`);
    return nothingStatus();
  }
  out(render(shown, p, local.dirs));
  return status;
};
