/**
 * The one job-id grammar: a job id, an array index, and the `ID` / `ID[INDEX]` form the commands
 * take (bkill, bjobs, docker_exec(JOBID)).
 *
 * Limits are LSF's own: MAX_JOBID in lsb.params may be raised from 999999 up to 2147483646 (IBM,
 * "Job ID limit"), so a job id is 1 to 2147483646, at most 10 digits. MAX_JOB_ARRAY_SIZE may be
 * raised up to 2147483646 too (bsub -J), so an index is at most that; LSB_JOBINDEX is 0 for a job
 * that is not an array element. Slurm's ids (SLURM_JOB_ID below 67108864, array indexes below
 * MaxArraySize, at most 4000001) fit in both. No leading zeros, no sign, no spaces: LSF never
 * writes them, and a strict grammar keeps one id one string (labels, tmpdir names, job files).
 */
export const MAX_JOB_ID = 2147483646;
export const MAX_ARRAY_INDEX = 2147483646;

const NUMBER = /^(?:0|[1-9]\d{0,9})$/;

function bounded(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !NUMBER.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A job id (1..2147483646), or undefined when TEXT is not one. */
export const parseJobId = (text: string | undefined) => bounded(text, 1, MAX_JOB_ID);

/** An array index (0..2147483646; 0 = not an array element), or undefined when TEXT is not one. */
export const parseArrayIndex = (text: string | undefined) => bounded(text, 0, MAX_ARRAY_INDEX);

/** `ID` or `ID[INDEX]` (INDEX >= 1); index undefined for the bare id (every element, or a plain job). */
export interface JobTarget {
  id: number;
  index?: number;
}

export function parseJobTarget(text: string): JobTarget | undefined {
  const m = /^([^[\]]+)(?:\[([^[\]]+)\])?$/.exec(text);
  if (!m) return undefined;
  const id = parseJobId(m[1]);
  if (id === undefined) return undefined;
  if (m[2] === undefined) return { id };
  const index = bounded(m[2], 1, MAX_ARRAY_INDEX);
  return index === undefined ? undefined : { id, index };
}

/** How a job target is written: `123` or `123[4]` (LSF's own form, e.g. LSB_BATCH_JID). */
export const formatJobTarget = (job: JobTarget) =>
  job.index !== undefined && job.index > 0 ? `${job.id}[${job.index}]` : String(job.id);

/** For messages: what a job target looks like. */
export const JOB_TARGET_FORM = '123 or 123[4]';
