import type { JobTarget } from '../kernel/grammar/job-id.js';
import type { SlurmJobRecord } from '../scheduler/slurm/states.js';
import { finished, jobLabel, matches, unmatched } from './jobs.js';

export interface KillPlan {
  /** scancel's ids: ID for a plain job or a whole array, ID_INDEX for one element. */
  slurmIds: string[];
  /** Labels told "is being terminated/signaled" once scancel succeeded. */
  killed: string[];
  /** Labels no record matches ("No matching job found"). */
  notFound: string[];
  /** Labels whose every element has finished ("Job has already finished"). */
  finished: string[];
}

/**
 * What bkill does with the user's records: WANTED ids (or every unfinished job for `bkill 0`).
 * An element is named by itself only when the command named elements (123[4]); else the job
 * (123) is cancelled whole, as LSF does. Pure.
 */
export function planKill(records: readonly SlurmJobRecord[], wanted: JobTarget[] | 'all'): KillPlan {
  const all = wanted === 'all';
  const targets = records.filter((r) => (all ? !finished(r) : matches(r, wanted)));
  const named = (r: SlurmJobRecord) => !all && wanted.some((j) => j.id === r.id && j.index !== undefined);
  const groups = new Map<string, SlurmJobRecord[]>();
  for (const r of targets) {
    const label = named(r) ? jobLabel(r) : String(r.id);
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  const plan: KillPlan = {
    slurmIds: [],
    killed: [],
    notFound: all ? [] : unmatched(targets, wanted),
    finished: [],
  };
  for (const [label, group] of groups) {
    if (group.every(finished)) {
      plan.finished.push(label);
      continue;
    }
    const r = group[0]!;
    const id = named(r) && r.index > 0 ? `${r.id}_${r.index}` : String(r.id);
    if (!plan.slurmIds.includes(id)) plan.slurmIds.push(id);
    plan.killed.push(label);
  }
  return plan;
}
