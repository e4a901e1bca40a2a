import { readFileSync, rmSync } from 'node:fs';
import { writeAtomic } from './atomic.js';
import { TERM } from './job-finish.js';
import { jobPaths } from './record.js';
import type { StateDirs } from './state.js';

/** The lines a note may hold: LSF's TERM_ lines (anything else is not taken). */
const TERM_LINES = new Set<string>(Object.values(TERM));

/**
 * An adopting dispatcher's reason for ending element ID[INDEX] (it signalled the job's process
 * group for a bkill): written beside the record, so that the dispatcher still the job's parent
 * (it handed the user dir over to a new install) ends the -o file with it, as its own bkill would.
 */
export function writeTermNote(dirs: Pick<StateDirs, 'user'>, id: number, index: number, term: string): void {
  try {
    writeAtomic(jobPaths(dirs, id, index).term, `${term}\n`);
  } catch {
    // the job's end then lacks the TERM line: no worse than without the note
  }
}

/** The note for ID[INDEX], if one is there (removed on reading). */
export function takeTermNote(dirs: Pick<StateDirs, 'user'>, id: number, index: number): string | undefined {
  const file = jobPaths(dirs, id, index).term;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  return TERM_LINES.has(text) ? text : undefined;
}
