import { usageError } from '../kernel/errors.js';
import type { JobTarget } from '../kernel/grammar/job-id.js';
import { matches, parseJobIds, unmatched } from './job-ids.js';
import type { JobRecord } from './record.js';

/**
 * Which jobs a job command names: ids (123, 123[4], "123[1-3,7]" is not LSF's form for commands:
 * elements one by one), 0 for all, and the filters -J NAME (a * matches any characters), -q QUEUE,
 * -u USER|all. The local LSF keeps each user's jobs apart: -u names only you or `all` (= yours).
 */
export interface Selection {
  ids: JobTarget[];
  all: boolean;
  name?: string;
  queue?: string;
  user?: string;
}

/** A job name pattern: LSF's * wildcard, anything else literal. Pure. */
export function namePattern(pattern: string): RegExp {
  const escaped = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** Whether R's name matches -J PATTERN: the whole name, or an array element's base name. */
export function nameMatches(r: Pick<JobRecord, 'name'>, pattern: string): boolean {
  const re = namePattern(pattern);
  return re.test(r.name) || re.test(r.name.replace(/\[\d+\]$/, ''));
}

export function selectionFrom(words: string[], opts: Omit<Selection, 'ids' | 'all'>, me: string): Selection {
  if (opts.user !== undefined && opts.user !== 'all' && opts.user !== me)
    throw usageError(
      `-u ${opts.user}: the local LSF shows and controls only your own jobs (-u ${me} or -u all)`,
    );
  const all = words.includes('0');
  return { ...opts, all, ids: parseJobIds(words.filter((w) => w !== '0')) };
}

/** The records a selection names, and the ids that named nothing. FILTERED first applies -J/-q. Pure. */
export function select(records: JobRecord[], s: Selection): { chosen: JobRecord[]; missing: string[] } {
  const filtered = records.filter(
    (r) => (s.name === undefined || nameMatches(r, s.name)) && (s.queue === undefined || r.queue === s.queue),
  );
  if (s.ids.length > 0) {
    const chosen = filtered.filter((r) => matches(r, s.ids));
    return { chosen, missing: unmatched(chosen, s.ids) };
  }
  return { chosen: filtered, missing: [] };
}

/**
 * For commands that act (bkill, bstop, bresume): without ids, 0 acts on every matching job; -J, -q
 * or -u alone on the most recent matching job only (LSF's rule); nothing at all is a usage error.
 */
export function actionTargets(records: JobRecord[], s: Selection, command: string) {
  if (s.ids.length > 0 || s.all) return select(records, s);
  if (s.name === undefined && s.queue === undefined && s.user === undefined)
    throw usageError(`${command}: give a job id (or 0 for all your jobs)`);
  const { chosen } = select(records, s);
  const last = chosen.at(-1);
  return { chosen: last ? chosen.filter((r) => r.id === last.id) : [], missing: [] };
}
