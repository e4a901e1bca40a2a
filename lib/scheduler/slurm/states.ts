/**
 * Slurm's jobs as LSF's bjobs sees them: `squeue --json` parsed into records (one per array
 * element, pending elements included) with LSF's states and exit codes. Pure.
 *
 * Why JSON: job names may hold `|`, tabs and newlines, which squeue -o and scontrol -o print raw;
 * `squeue --json` escapes them (works on Debian's 22.05 build). 22.05 ignores squeue's filters
 * with --json: the caller filters the records (by uid, by id). Parsed shapes: openapi v0.0.38
 * (22.05: job_state a string, exit_code the raw wait status) and v0.0.39+ (job_state an array,
 * exit_code {status, return_code, signal}, times {set, number}).
 */
import { expandArraySpec, expandHostlist } from './hostlist.js';

export type LsfState = 'PEND' | 'PSUSP' | 'RUN' | 'USUSP' | 'SSUSP' | 'DONE' | 'EXIT' | 'UNKWN';

const PENDING = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
]);
const RUNNING = new Set([
  'RUNNING',
  'COMPLETING',
  'SIGNALING',
  'STAGE_OUT',
  'RESIZING',
  'POWER_UP_NODE',
  'UPDATE_DB',
]);
const FAILED = new Set([
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
  'SPECIAL_EXIT',
]);
const HELD_REASON = /^(JobHeld(User|Admin)|job_requeued_in_held_state)$/;
const SYSTEM_SUSPEND_REASON = /preempt|gang/i;

/**
 * LSF's state for a Slurm state (base state plus flags, as squeue %T or job_state give them):
 *   PENDING (and requeue/configuring states) -> PEND, or PSUSP when held (scontrol hold);
 *   RUNNING, COMPLETING (still inside KillWait) ... -> RUN;
 *   SUSPENDED -> SSUSP when preemption/gang scheduling did it, else USUSP; STOPPED -> USUSP;
 *   COMPLETED -> DONE; FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY ... -> EXIT.
 */
export function lsfState(states: string | readonly string[], reason?: string): LsfState {
  const list = (typeof states === 'string' ? states.split(/[+,\s]+/) : [...states]).map((s) =>
    s.toUpperCase(),
  );
  if (list.includes('COMPLETING') || list.includes('SIGNALING') || list.includes('STAGE_OUT')) return 'RUN';
  const base = list[0] ?? '';
  if (PENDING.has(base)) return reason !== undefined && HELD_REASON.test(reason) ? 'PSUSP' : 'PEND';
  if (RUNNING.has(base)) return 'RUN';
  if (base === 'SUSPENDED')
    return reason !== undefined && SYSTEM_SUSPEND_REASON.test(reason) ? 'SSUSP' : 'USUSP';
  if (base === 'STOPPED') return 'USUSP';
  if (base === 'COMPLETED') return 'DONE';
  if (FAILED.has(base)) return 'EXIT';
  return 'UNKWN';
}

/** LSF's words for the Slurm end states whose exit code alone does not tell. */
export const EXIT_REASONS: Readonly<Record<string, string>> = {
  CANCELLED: 'TERM_OWNER: job killed by owner',
  TIMEOUT: 'TERM_RUNLIMIT: job killed after reaching its run time limit',
  OUT_OF_MEMORY: 'TERM_MEMLIMIT: job killed after reaching its memory limit',
  PREEMPTED: 'TERM_PREEMPT: job killed after preemption',
  NODE_FAIL: 'its node failed (Slurm NODE_FAIL)',
  BOOT_FAIL: 'its node did not boot (Slurm BOOT_FAIL)',
  DEADLINE: 'its deadline passed (Slurm DEADLINE)',
  REVOKED: 'revoked by the federation (Slurm REVOKED)',
};

/**
 * bsub -K's status over the elements of one job, as the local LSF computes it: 0 when all are
 * DONE, else the first failing element's exit code (255 when it has none); undefined while any
 * element is unfinished.
 */
export function bsubWaitStatus(records: readonly SlurmJobRecord[]): number | undefined {
  if (records.length === 0 || records.some((r) => r.state !== 'DONE' && r.state !== 'EXIT')) return undefined;
  const failed = [...records]
    .sort((a, b) => a.index - b.index)
    .find((r) => r.state === 'EXIT' || r.exitCode !== 0);
  return failed ? (failed.exitCode ?? 255) : 0;
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number;
  signal: number;
}

/** LSF's exit code: the status, or 128+N for signal N (as the local LSF and docker_run report). */
export const lsfExitCode = (s: ExitStatus): number => (s.signal > 0 ? 128 + s.signal : s.code);

/** A raw wait status (squeue --json v0.0.38 exit_code: 768 = exit 3, 9 = SIGKILL). */
export function fromWaitStatus(raw: number): ExitStatus {
  const signal = raw & 0x7f;
  return signal !== 0 && signal !== 0x7f ? { code: 0, signal } : { code: (raw >> 8) & 0xff, signal: 0 };
}

/** scontrol's ExitCode=rc:sig text. */
export function fromExitCodeText(text: string): ExitStatus | undefined {
  const m = /^(\d{1,3}):(\d{1,3})$/.exec(text.trim());
  return m ? { code: Number(m[1]), signal: Number(m[2]) } : undefined;
}

export interface SlurmJobRecord {
  /** Slurm's id of this record (an array task has its own; the pending meta record the array's). */
  slurmId: number;
  /** The LSF job id: the array's id for an element, else slurmId. */
  id: number;
  /** The array index, 0 for a plain job. */
  index: number;
  name: string;
  user: string;
  uid?: number;
  /** Slurm's state words (job_state), e.g. ['RUNNING'] or ['CANCELLED']. */
  slurmState: string[];
  state: LsfState;
  reason?: string;
  /** How the job ended (for DONE/EXIT records). */
  exit?: ExitStatus;
  /** lsfExitCode(exit) for DONE/EXIT records; undefined for an EXIT that Slurm recorded as status 0 (cancelled before it ran). */
  exitCode?: number;
  /** Why an EXIT record ended, in LSF's words (TERM_OWNER ...), when Slurm's state says more than the code. */
  exitReason?: string;
  partition: string;
  /** nodes as Slurm compacts them (n[1-3]), and expanded. */
  nodeList: string;
  nodes: string[];
  batchHost?: string;
  /** Unix seconds; undefined when unset. */
  submitTime?: number;
  startTime?: number;
  endTime?: number;
  workDir?: string;
  /** The job's CPUs (LSF's slots). */
  cpus?: number;
  /** --output / --error as submitted, Slurm's patterns unexpanded ("" = Slurm's default). */
  stdoutPath?: string;
  stderrPath?: string;
  cluster?: string;
}

export interface SqueueParse {
  records: SlurmJobRecord[];
  /** Slurm's release from meta, e.g. "22.05.8". */
  release?: string;
  /** Slurm's own errors in the document (non-empty means the list may be incomplete). */
  errors: string[];
  /** Records left out, each with why (a malformed record never hides the others). */
  skipped: string[];
}

export class SqueueFormatError extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 0.0.38 numbers, 0.0.39+ {set, infinite, number}; undefined when unset. */
function numberField(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (isObject(v) && v.set === true && v.infinite !== true && typeof v.number === 'number') return v.number;
  return undefined;
}

function stringField(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function exitField(v: unknown): ExitStatus | undefined {
  const raw = numberField(v);
  if (raw !== undefined) return fromWaitStatus(raw);
  if (!isObject(v)) return undefined;
  const code = numberField(v.return_code) ?? 0;
  const signal = isObject(v.signal) ? (numberField(v.signal.signal_id) ?? 0) : 0;
  return { code, signal };
}

const ID = (v: unknown) => {
  const n = numberField(v);
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

function parseJob(job: Json): SlurmJobRecord[] {
  const slurmId = ID(job.job_id);
  if (slurmId === undefined || slurmId === 0) throw new Error('no job_id');
  const arrayJobId = ID(job.array_job_id) ?? 0;
  const taskId = ID(job.array_task_id);
  const rawState = job.job_state;
  const slurmState =
    typeof rawState === 'string'
      ? [rawState]
      : Array.isArray(rawState) && rawState.every((s) => typeof s === 'string')
        ? (rawState as string[])
        : undefined;
  if (!slurmState || slurmState.length === 0) throw new Error(`job ${slurmId}: no job_state`);
  const reason = stringField(job.state_reason);
  const state = lsfState(slurmState, reason);
  const finished = state === 'DONE' || state === 'EXIT';
  const exit = finished ? exitField(job.exit_code) : undefined;
  const exitCode = exit && !(state === 'EXIT' && lsfExitCode(exit) === 0) ? lsfExitCode(exit) : undefined;
  const nodeList = stringField(job.nodes) ?? '';
  const nodes = expandHostlist(nodeList);
  if (!nodes) throw new Error(`job ${slurmId}: nodes "${nodeList}" is not a host list`);
  const time = (v: unknown) => {
    const n = numberField(v);
    return n !== undefined && n > 0 ? n : undefined;
  };
  const record: SlurmJobRecord = {
    slurmId,
    id: arrayJobId > 0 ? arrayJobId : slurmId,
    index: taskId ?? 0,
    name: stringField(job.name) ?? '',
    user: stringField(job.user_name) ?? '',
    uid: ID(job.user_id),
    slurmState,
    state,
    reason: reason === 'None' ? undefined : reason,
    exit,
    exitCode,
    exitReason: state === 'EXIT' ? EXIT_REASONS[slurmState[0]!.toUpperCase()] : undefined,
    partition: stringField(job.partition) ?? '',
    nodeList,
    nodes,
    batchHost: stringField(job.batch_host) || undefined,
    submitTime: time(job.submit_time),
    startTime: time(job.start_time),
    endTime: time(job.end_time),
    workDir: stringField(job.current_working_directory) || undefined,
    cpus: ID(job.cpus),
    stdoutPath: stringField(job.standard_output) || undefined,
    stderrPath: stringField(job.standard_error) || undefined,
    cluster: stringField(job.cluster) || undefined,
  };
  // The pending meta record of an array: one record per index still pending.
  if (arrayJobId > 0 && taskId === undefined) {
    const spec = stringField(job.array_task_string) ?? '';
    const indexes = expandArraySpec(spec);
    if (!indexes) throw new Error(`job ${slurmId}: array_task_string "${spec}" is not an array spec`);
    return indexes.map((index) => ({ ...record, index }));
  }
  return [record];
}

/**
 * Parses `squeue --json` output. The document must be Slurm's (meta + jobs array), else
 * SqueueFormatError; within it, a record that cannot be read is skipped with its reason.
 * Records come sorted by LSF id, then index.
 */
export function parseSqueueJson(text: string): SqueueParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SqueueFormatError(`squeue --json: not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc) || !Array.isArray(doc.jobs))
    throw new SqueueFormatError('squeue --json: no "jobs" array (not squeue --json output)');
  const meta = isObject(doc.meta) ? doc.meta : {};
  const slurm = isObject(meta.Slurm) ? meta.Slurm : isObject(meta.slurm) ? meta.slurm : {};
  const release = stringField(slurm.release);
  const errors = Array.isArray(doc.errors)
    ? doc.errors.map((e) =>
        isObject(e) ? (stringField(e.error) ?? stringField(e.description) ?? JSON.stringify(e)) : String(e),
      )
    : [];
  const records: SlurmJobRecord[] = [];
  const skipped: string[] = [];
  for (const job of doc.jobs) {
    if (!isObject(job)) {
      skipped.push('a job that is not an object');
      continue;
    }
    try {
      records.push(...parseJob(job));
    } catch (err) {
      skipped.push((err as Error).message);
    }
  }
  records.sort((a, b) => a.id - b.id || a.index - b.index);
  return { records, release, errors, skipped };
}
