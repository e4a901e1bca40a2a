import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './context.js';
import { readRecord } from './record.js';
import type { StateDirs } from './state.js';

/**
 * FIFO between a user's jobs: true while a job older than ID still waits (PEND) with a live
 * runner. Finished ids are remembered, so a poll reads only the records still in question.
 */
export function olderJobWaiting(dirs: StateDirs, id: number, finished: Set<string>): boolean {
  const dir = join(dirs.user, 'jobs');
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.(\d+)\.json$/.exec(name);
    if (!m || Number(m[1]) >= id || finished.has(name)) continue;
    const r = readRecord(join(dir, name));
    if (!r || r.status === 'DONE' || r.status === 'EXIT') {
      if (r) finished.add(name);
      continue;
    }
    if (r.status === 'PEND' && alive(r.supervisorPid)) return true;
  }
  return false;
}
