import { readFileSync } from 'node:fs';
import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { err, openLocal, out } from './context.js';
import { imageLine } from './image-line.js';
import { matches, parseJobIds, unmatched } from './job-ids.js';
import { type JobRecord, jobLabel, jobPaths, listRecords } from './record.js';
import { recover } from './recover.js';
import { renderBjobsLong, renderBjobsTable } from './report.js';

/** bjobs -a shows finished jobs for this long (LSF's CLEAN_PERIOD). */
const CLEAN_PERIOD_MS = 3600_000;
const SEPARATOR = '------------------------------------------------------------------------------\n';

function bjobsArgs(argv: string[]) {
  let all = false;
  let long = false;
  const ids: string[] = [];
  for (const w of argv) {
    if (w === '-a') all = true;
    else if (w === '-l') long = true;
    else if (w === '-al' || w === '-la') all = long = true;
    else if (w.startsWith('-')) throw usageError(`bjobs: unknown option ${w} (-a, -l, JOBID...)`);
    else ids.push(w);
  }
  return { all, long, wanted: parseJobIds(ids) };
}

export const bjobs: Subcommand = async (argv, ctx) => {
  const { all, long, wanted } = bjobsArgs(argv);
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  let shown: JobRecord[];
  let status: number = Status.OK;
  if (wanted.length > 0) {
    shown = records.filter((r) => matches(r, wanted));
    for (const label of unmatched(shown, wanted)) {
      err(`Job <${label}> is not found\n`);
      status = Status.LSF_COMMAND_FAILED;
    }
  } else {
    const recent = Date.now() - CLEAN_PERIOD_MS;
    shown = records.filter(
      (r) => r.status === 'PEND' || r.status === 'RUN' || (all && (r.endTime ?? 0) >= recent),
    );
    if (shown.length === 0) {
      err(all ? 'No job found\n' : 'No unfinished job found\n');
      return Status.LSF_COMMAND_FAILED;
    }
  }
  if (shown.length === 0) return status;
  out(
    long
      ? shown.map((r) => renderBjobsLong(r) + imageLine(local.dirs, r)).join(SEPARATOR)
      : renderBjobsTable(shown),
  );
  return status;
};

export const bpeek: Subcommand = async (argv, ctx) => {
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  const ids = parseJobIds(argv.filter((w) => !w.startsWith('-')));
  const unknown = argv.find((w) => w.startsWith('-'));
  if (unknown) throw usageError(`bpeek: unknown option ${unknown} (bpeek [JOBID])`);
  const candidates = ids.length
    ? records.filter((r) => matches(r, ids))
    : records.filter((r) => r.status === 'RUN');
  const r = candidates.at(-1);
  if (!r) {
    err(ids.length ? `Job <${argv.join(' ')}> is not found\n` : 'No unfinished job found\n');
    return Status.LSF_COMMAND_FAILED;
  }
  if (r.status === 'PEND') {
    err(`Job <${jobLabel(r)}> : Not yet started.\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  out('<< output from stdout >>\n');
  try {
    out(readFileSync(jobPaths(local.dirs, r.id, r.index).out, 'utf8'));
  } catch {
    // no output yet, or delivered to the -o file and removed
  }
  return Status.OK;
};
