import { mkdirSync, mkdtempSync } from 'node:fs';
import { type DirFacts, dirFacts } from './state.js';

/**
 * Why the job tmpdir's LSF name cannot be used when something (described by FACTS) is already in
 * its place. Nothing there is ever used or removed: job ids are never reused within a state dir,
 * so it is someone else's (the job tmp root is shared, like /tmp), or a job of the user's own with
 * the same id under another state dir, which may still be using it. Pure.
 */
export function jobTmpdirProblem(facts: DirFacts, uid: number): string {
  if (facts.isSymbolicLink) return 'already exists as a symbolic link';
  if (!facts.isDirectory) return 'already exists and is not a directory';
  if (facts.uid !== uid) return `already exists and belongs to uid ${facts.uid}, not to you`;
  return 'already exists (a job with the same id under another state dir, or a leftover)';
}

/** The job tmpdir made for a job: its path, and why it is not LSF's own name (when it is not). */
export interface JobTmpdir {
  path: string;
  /** Set when the LSF name was taken: what was in its place. */
  moved?: string;
}

/**
 * Makes the job's 0700 tmpdir for UID under LSF's name DIR. Job ids are predictable, so anyone can
 * make that name first: then the job gets a fresh dir of its own beside it (DIR.XXXXXX, made by
 * mkdtemp, which no one can have made before) rather than failing; what was in the way is left
 * alone. Once this returns, the dir was created by this job.
 */
export function makeJobTmpdir(dir: string, uid: number): JobTmpdir {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return { path: dir };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new Error(`cannot create the job tmpdir ${dir}: ${(err as Error).message}`);
  }
  const facts = dirFacts(dir);
  const moved = facts ? `${dir} ${jobTmpdirProblem(facts, uid)}` : `${dir} appeared while being made`;
  return { path: mkdtempSync(`${dir}.`), moved };
}
