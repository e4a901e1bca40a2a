import { usageError } from '../kernel/errors.js';
import {
  formatJobTarget,
  JOB_TARGET_FORM,
  type JobTarget,
  parseJobTarget,
} from '../kernel/grammar/job-id.js';
import type { JobRecord } from './record.js';

/** Job ids on the command line: 123 (every element) or 123[4]. */
export function parseJobIds(words: string[]): JobTarget[] {
  return words.map((w) => {
    const target = parseJobTarget(w);
    if (!target) throw usageError(`${w}: not a job id (${JOB_TARGET_FORM})`);
    return target;
  });
}

/** Whether R is one of the job elements IDS names. */
export const matchesOne = (r: JobRecord, j: JobTarget) =>
  j.id === r.id && (j.index === undefined || j.index === r.index);
export const matches = (r: JobRecord, ids: JobTarget[]) => ids.some((j) => matchesOne(r, j));

/** The targets among IDS no record matches, as LSF writes them (123 or 123[4]). */
export const unmatched = (records: JobRecord[], ids: JobTarget[]) =>
  ids.filter((j) => !records.some((r) => matchesOne(r, j))).map(formatJobTarget);
