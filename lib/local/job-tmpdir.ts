import { mkdirSync } from 'node:fs';
import { type DirFacts, dirFacts } from './state.js';

/**
 * Why the job tmpdir cannot be made when something (described by FACTS) is already in its place.
 * Nothing there is ever used or removed: job ids are never reused within a state dir, so it is
 * someone else's (the job tmp root is shared, like /tmp), or a job of the user's own with the same
 * id under another state dir, which may still be using it. Pure.
 */
export function jobTmpdirProblem(facts: DirFacts, uid: number): string {
  if (facts.isSymbolicLink) return 'already exists as a symbolic link';
  if (!facts.isDirectory) return 'already exists and is not a directory';
  if (facts.uid !== uid) return `already exists and belongs to uid ${facts.uid}, not to you`;
  return 'already exists (a job with the same id under another state dir, or a leftover)';
}

/**
 * Makes the job's 0700 tmpdir DIR for UID; anything already in its place fails the job with a
 * clear message and is left alone. Once this returns, DIR was created by this job.
 */
export function makeJobTmpdir(dir: string, uid: number): void {
  const refuse = (problem: string) =>
    new Error(`job tmpdir ${dir} ${problem}: not using it, not removing it`);
  const facts = dirFacts(dir);
  if (facts) throw refuse(jobTmpdirProblem(facts, uid));
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    const now = (err as NodeJS.ErrnoException).code === 'EEXIST' ? dirFacts(dir) : undefined;
    if (now) throw refuse(jobTmpdirProblem(now, uid));
    throw new Error(`cannot create the job tmpdir ${dir}: ${(err as Error).message}`);
  }
}
