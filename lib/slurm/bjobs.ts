import { readFileSync } from 'node:fs';
import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { bjobsNothingStatus } from '../scheduler/lsf/facts.js';
import type { SlurmJobRecord } from '../scheduler/slurm/states.js';
import { err, openSlurm, out } from './context.js';
import { finished, jobLabel, matches, outputFileOf, parseJobIds, unmatched, userJobs } from './jobs.js';
import { renderBjobsLong, renderBjobsTable } from './report.js';

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

/**
 * bjobs on Slurm: the user's jobs from squeue with LSF's states. Without ids the unfinished ones
 * (-a: the finished ones too, for as long as Slurm keeps them: MinJobAge).
 */
export const bjobs: Subcommand = async (argv, ctx) => {
  const { all, long, wanted } = bjobsArgs(argv);
  const records = await userJobs(openSlurm(ctx.config));
  let shown: SlurmJobRecord[];
  let status: number = Status.OK;
  if (wanted.length > 0) {
    shown = records.filter((r) => matches(r, wanted));
    for (const label of unmatched(shown, wanted)) {
      err(`Job <${label}> is not found\n`);
      status = Status.LSF_COMMAND_FAILED;
    }
  } else {
    shown = records.filter((r) => all || !finished(r));
    if (shown.length === 0) {
      err(all ? 'No job found\n' : 'No unfinished job found\n');
      return bjobsNothingStatus(process.env);
    }
  }
  if (shown.length === 0) return status;
  out(long ? shown.map(renderBjobsLong).join(SEPARATOR) : renderBjobsTable(shown));
  return status;
};

/** bpeek on Slurm: the job's output file so far (slurmstepd writes it as the job goes). */
export const bpeek: Subcommand = async (argv, ctx) => {
  const unknown = argv.find((w) => w.startsWith('-'));
  if (unknown) throw usageError(`bpeek: unknown option ${unknown} (bpeek [JOBID])`);
  const ids = parseJobIds(argv);
  const records = await userJobs(openSlurm(ctx.config));
  const candidates = ids.length
    ? records.filter((r) => matches(r, ids))
    : records.filter((r) => r.state === 'RUN');
  const r = candidates.at(-1);
  if (!r) {
    err(ids.length ? `Job <${argv.join(' ')}> is not found\n` : 'No unfinished job found\n');
    return Status.LSF_COMMAND_FAILED;
  }
  if (r.state === 'PEND') {
    err(`Job <${jobLabel(r)}> : Not yet started.\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  const file = outputFileOf(r);
  out('<< output from stdout >>\n');
  if (!file) {
    err(
      `bpeek: job ${jobLabel(r)}: its output file pattern "${r.stdoutPath}" names the step or task: not read\n`,
    );
    return Status.LSF_COMMAND_FAILED;
  }
  try {
    out(readFileSync(file, 'utf8'));
  } catch (e) {
    err(`bpeek: ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
  }
  return Status.OK;
};
