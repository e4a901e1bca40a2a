/**
 * What `srun -v` prints on its stderr about itself, told apart from the job's own stderr, so that
 * bsub -I can say what LSF says (`Job <N> is submitted ...`, `<<Starting on HOST>>`) and show
 * nothing else of srun's. Pure.
 */

export type SrunLine =
  /** `srun: jobid N: nodes(K):`LIST', cpu counts: ...`: the job runs. */
  | { kind: 'allocated'; jobId: number; nodes: string }
  /** `srun: job N queued and waiting for resources`. */
  | { kind: 'queued'; jobId: number }
  /** srun's own talk: not shown. */
  | { kind: 'noise' }
  /** An srun error worth showing, or the job's own stderr. */
  | { kind: 'show' };

export const SRUN_PREFIX = 'srun: ';

/** One complete stderr line (without its newline). */
export function classifySrunLine(line: string): SrunLine {
  if (!line.startsWith(SRUN_PREFIX)) return { kind: 'show' };
  const allocated = /^srun: jobid (\d{1,19}): nodes\(\d+\):`([^']*)'/.exec(line);
  if (allocated) return { kind: 'allocated', jobId: Number(allocated[1]), nodes: allocated[2]! };
  const queued = /^srun: job (\d{1,19}) queued and waiting for resources/.exec(line);
  if (queued) return { kind: 'queued', jobId: Number(queued[1]) };
  // The job's own status is the exit status: srun's line about it is not LSF's.
  if (/^srun: error: [^:]+: tasks? [\d,-]+: (Exited with exit code \d+|Killed|Terminated)/.test(line))
    return { kind: 'noise' };
  if (/^srun: (error|fatal): /.test(line)) return { kind: 'show' };
  return { kind: 'noise' };
}

/** Whether a partial line (no newline yet) may still become one of srun's: then it is held. */
export const mayBeSrunLine = (partial: string) =>
  partial.startsWith(SRUN_PREFIX) || SRUN_PREFIX.startsWith(partial);
