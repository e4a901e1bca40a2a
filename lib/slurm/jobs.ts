import { usageError } from '../kernel/errors.js';
import {
  formatJobTarget,
  JOB_TARGET_FORM,
  type JobTarget,
  parseJobTarget,
} from '../kernel/grammar/job-id.js';
import { DEFAULT_OUTPUT, expandOutputPattern } from '../scheduler/slurm/patterns.js';
import type { SlurmJobRecord } from '../scheduler/slurm/states.js';
import { err, type SlurmSide } from './context.js';

/** The jobs Slurm knows of the user (root: of everyone), sorted by id and index; Slurm's own warnings on stderr. */
export async function userJobs(side: SlurmSide): Promise<SlurmJobRecord[]> {
  const parsed = await side.client.squeue();
  for (const e of parsed.errors) err(`lsf-docker: squeue: ${e}\n`);
  return parsed.records.filter((r) => side.uid === 0 || r.uid === side.uid);
}

/** Job ids on the command line: 123 (every element) or 123[4]. */
export function parseJobIds(words: string[]): JobTarget[] {
  return words.map((w) => {
    const target = parseJobTarget(w);
    if (!target) throw usageError(`${w}: not a job id (${JOB_TARGET_FORM})`);
    return target;
  });
}

export const matchesOne = (r: SlurmJobRecord, j: JobTarget) =>
  j.id === r.id && (j.index === undefined || j.index === r.index);
export const matches = (r: SlurmJobRecord, ids: JobTarget[]) => ids.some((j) => matchesOne(r, j));

/** The targets among IDS no record matches, as LSF writes them (123 or 123[4]). */
export const unmatched = (records: SlurmJobRecord[], ids: JobTarget[]) =>
  ids.filter((j) => !records.some((r) => matchesOne(r, j))).map(formatJobTarget);

export const finished = (r: SlurmJobRecord) => r.state === 'DONE' || r.state === 'EXIT';

/** The text bjobs/bkill use for an element: 123 or 123[4]. */
export const jobLabel = (r: Pick<SlurmJobRecord, 'id' | 'index'>) =>
  r.index > 0 ? `${r.id}[${r.index}]` : String(r.id);

/** The element's output file, as slurmstepd names it (undefined for a pattern bpeek cannot expand). */
export function outputFileOf(r: SlurmJobRecord): string | undefined {
  const arrayJob = r.index > 0;
  return expandOutputPattern(r.stdoutPath ?? DEFAULT_OUTPUT(arrayJob), { ...r, arrayJob });
}
