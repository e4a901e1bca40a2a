import { type DepJob, evaluateDependency, parseDependency } from './dependency.js';
import { type JobRecord, running } from './record.js';

/** A pending element, and whether it may be dispatched now (else why not, as bjobs -p shows). */
export interface Candidate {
  record: JobRecord;
  /** Why it waits, when it cannot be dispatched whatever the host has free. */
  reason?: string;
  /** The dependency can never be satisfied: LSF keeps such a job pending, saying so. */
  never?: boolean;
}

export const REASONS = {
  closed: 'The host is closed by the administrator (badmin hclose)',
  closedByYou: 'The host is closed for your jobs (badmin hclose)',
  held: 'The job was suspended by the user while pending',
  begin: (at: string) => `The job has a specified start time (${at})`,
  dependency: 'Job dependency condition not satisfied',
  never: 'Dependency condition invalid or never satisfied',
  arrayLimit: 'The job array has reached its limit of running elements (%N)',
  slots: 'Job slot limit reached',
  resources: 'A requested port or GPU is in use',
  olderWaiting: 'An older job of yours is waiting for the same host',
} as const;

export interface PlanInput {
  /** Every record of the user, sorted by id then index. */
  records: JobRecord[];
  now: number;
  /** Undefined when open; else which flag closes it. */
  closed?: 'root' | 'user';
  /** Formats a time for the begin-time reason. */
  formatTime?: (ms: number) => string;
}

/**
 * Which pending batch elements may start now, in dispatch order (oldest job first, index order
 * within an array), and why the others wait. Interactive elements are their bsub's own. Pure:
 * the dispatcher then tries each eligible candidate against the host's slots, ports and GPUs.
 */
export function planDispatch(input: PlanInput): Candidate[] {
  const { records } = input;
  const depJobs: DepJob[] = records.map((r) => ({
    id: r.id,
    index: r.index,
    name: r.name,
    status: r.status,
    exitCode: r.exitCode,
  }));
  const runningPerJob = new Map<number, number>();
  for (const r of records) if (running(r)) runningPerJob.set(r.id, (runningPerJob.get(r.id) ?? 0) + 1);
  const out: Candidate[] = [];
  for (const record of records) {
    if (record.interactive || (record.status !== 'PEND' && record.status !== 'PSUSP')) continue;
    out.push(judge(record, input, depJobs, runningPerJob));
  }
  return out;
}

function judge(
  record: JobRecord,
  input: PlanInput,
  depJobs: DepJob[],
  runningPerJob: Map<number, number>,
): Candidate {
  if (record.status === 'PSUSP') return { record, reason: REASONS.held };
  if (input.closed) return { record, reason: input.closed === 'root' ? REASONS.closed : REASONS.closedByYou };
  if (record.beginTime !== undefined && record.beginTime > input.now) {
    const at = input.formatTime
      ? input.formatTime(record.beginTime)
      : new Date(record.beginTime).toISOString();
    return { record, reason: REASONS.begin(at) };
  }
  if (record.dependency) {
    let value: string;
    try {
      value = evaluateDependency(parseDependency(record.dependency), depJobs);
    } catch {
      value = 'never';
    }
    if (value === 'never') return { record, reason: REASONS.never, never: true };
    if (value !== 'yes') return { record, reason: REASONS.dependency };
  }
  const limit = record.array?.limit;
  if (limit !== undefined && (runningPerJob.get(record.id) ?? 0) >= limit)
    return { record, reason: REASONS.arrayLimit };
  return { record };
}

/** The next time something in CANDIDATES may change by itself (a begin time), if any. Pure. */
export function nextBeginTime(candidates: Candidate[], now: number): number | undefined {
  const times = candidates
    .map((c) => c.record.beginTime)
    .filter((t): t is number => t !== undefined && t > now);
  return times.length ? Math.min(...times) : undefined;
}
