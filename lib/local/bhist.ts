import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { wrapItems } from './bjobs-long.js';
import { parseCommand } from './command-args.js';
import { err, openLocal, out } from './context.js';
import { select, selectionFrom } from './job-select.js';
import { finished, type JobRecord, jobLabel, listRecords, pending } from './record.js';
import { lsfTime } from './report.js';

const USAGE =
  'Usage: bhist [-a] [-d] [-p] [-r] [-s] [-l] [-w] [-J NAME] [-q QUEUE] [-u USER|all] [JOBID ...]';
const STATES = ['PEND', 'PSUSP', 'RUN', 'USUSP', 'SSUSP', 'UNKWN'] as const;

/** Which state an event moves the job to (from the record's event texts). */
function stateAfter(event: string): (typeof STATES)[number] | 'END' | undefined {
  if (/^Submitted|^Requeued|^Resumed by the user$|pending again/.test(event)) return 'PEND';
  if (/^Suspended by the user while pending/.test(event)) return 'PSUSP';
  if (/^Dispatched|^Running$/.test(event)) return 'RUN';
  if (/^Suspended/.test(event)) return 'USUSP';
  if (/^Done|^Exited|^Killed/.test(event)) return 'END';
  return undefined;
}

/** Seconds the element spent in each state, from its history (up to NOW for an unfinished one). Pure. */
export function timeInStates(r: JobRecord, now: number): Record<(typeof STATES)[number] | 'TOTAL', number> {
  const spent = { PEND: 0, PSUSP: 0, RUN: 0, USUSP: 0, SSUSP: 0, UNKWN: 0, TOTAL: 0 };
  let state: (typeof STATES)[number] | 'END' = 'PEND';
  let since = r.submitTime;
  const events = r.events ?? [[r.submitTime, 'Submitted']];
  for (const [t, text] of events) {
    const next = stateAfter(text);
    if (!next) continue;
    if (state !== 'END') spent[state] += t - since;
    state = next;
    since = t;
  }
  if (state !== 'END') spent[state] += (r.endTime ?? now) - since;
  for (const k of STATES) spent[k] = Math.max(0, Math.round(spent[k] / 1000));
  spent.TOTAL = STATES.reduce((n, k) => n + spent[k], 0);
  return spent;
}

function summary(records: JobRecord[], now: number, wide: boolean): string {
  const lines = ['Summary of time in seconds spent in various states:'];
  const cols = ['JOBID', 'USER', 'JOB_NAME', ...STATES, 'TOTAL'];
  const widths = [8, 8, 10, 8, 8, 8, 8, 8, 8, 8];
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (c.length >= widths[i]! ? `${c} ` : c.padEnd(widths[i]!)))
      .join('')
      .trimEnd();
  lines.push(row(cols));
  for (const r of records) {
    const t = timeInStates(r, now);
    const name = !wide && r.name.length > 9 ? `*${r.name.slice(-8)}` : r.name;
    lines.push(row([jobLabel(r), r.user, name, ...STATES.map((k) => String(t[k])), String(t.TOTAL)]));
  }
  return `${lines.join('\n')}\n`;
}

function long(r: JobRecord, now: number): string {
  const stamp = (ms: number) =>
    `${lsfTime(ms, { year: process.env.LSB_DISPLAY_YEAR?.toUpperCase() === 'Y' })}:`;
  const lines = [
    '',
    wrapItems(
      `Job <${jobLabel(r)}>, Job Name <${r.name}>, User <${r.user}>, Project <${r.project ?? 'default'}>, Command <${r.command}>`,
    ),
  ];
  for (const [t, text] of r.events ?? [])
    lines.push(wrapItems(`${stamp(t)} ${text}${text.startsWith('Submitted') ? `, CWD <${r.subcwd}>` : ''};`));
  const t = timeInStates(r, now);
  const cell = (s: string | number) => String(s).padEnd(9);
  lines.push(
    '',
    `Summary of time in seconds spent in various states by  ${lsfTime(r.endTime ?? now, { year: false })}`,
    `  ${[...STATES, 'TOTAL'].map(cell).join('').trimEnd()}`,
    `  ${[...STATES, 'TOTAL']
      .map((k) => cell(t[k as keyof typeof t]))
      .join('')
      .trimEnd()}`,
  );
  return `${lines.join('\n')}\n`;
}

/** bhist: each job's history and time in each state (from its record; the local LSF keeps no lsb.events). */
export const bhist: Subcommand = async (argv, ctx) => {
  const table = { flags: ['-a', '-d', '-p', '-r', '-s', '-l', '-w', '-b'], values: ['-J', '-q', '-u'] };
  const p = parseCommand('bhist', argv, table, USAGE);
  const local = openLocal(ctx.config);
  const s = selectionFrom(
    p.operands,
    { name: p.values.get('-J'), queue: p.values.get('-q'), user: p.values.get('-u') },
    local.user,
  );
  const { chosen, missing } = select(listRecords(local.dirs), s);
  const f = p.flags;
  const shown = chosen.filter(
    (r) =>
      s.ids.length > 0 ||
      f.has('-a') ||
      (f.has('-d') && finished(r)) ||
      (f.has('-p') && pending(r)) ||
      (f.has('-r') && r.status === 'RUN') ||
      (f.has('-s') && /SUSP/.test(r.status)) ||
      (!['-d', '-p', '-r', '-s'].some((x) => f.has(x)) && !finished(r)),
  );
  for (const label of missing) err(`${label}: No matching job found\n`);
  if (shown.length === 0) {
    err('No matching job found\n');
    return Status.LSF_COMMAND_FAILED;
  }
  const now = Date.now();
  out(
    f.has('-l')
      ? shown
          .map((r) => long(r, now))
          .join('------------------------------------------------------------------------------\n')
      : summary(shown, now, f.has('-w')),
  );
  return missing.length > 0 ? Status.LSF_COMMAND_FAILED : Status.OK;
};
