import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeAtomic } from './atomic.js';
import type { StateDirs } from './state.js';

/**
 * LSF's job states: PEND (waiting), PSUSP (held while pending: -H, bstop), RUN, USUSP (stopped by
 * its owner), SSUSP (stopped by the system: never set locally, no load thresholds), DONE, EXIT.
 */
export type JobStatus = 'PEND' | 'PSUSP' | 'RUN' | 'USUSP' | 'SSUSP' | 'DONE' | 'EXIT';

export interface Usage {
  cpuSeconds: number;
  maxMemBytes: number;
  avgMemBytes?: number;
  maxSwapBytes?: number;
  maxProcesses: number;
  maxThreads: number;
  /** Where it was measured: the container's cgroup, or the job's process tree. */
  source?: 'cgroup' | 'processes';
}

/** One job (or one element of a job array), as the local LSF keeps it in the user dir. */
export interface JobRecord {
  id: number;
  /** Array index; 0 for a plain job. */
  index: number;
  /** LSB_JOBNAME: -J, else the command line; `name[index]` for array elements. */
  name: string;
  user: string;
  uid: number;
  home: string;
  queue: string;
  app?: string;
  /** -G: the user group. */
  group?: string;
  /** -g: the job group. */
  jobGroup?: string;
  /** -P: the project (LSB_PROJECT_NAME). */
  project?: string;
  /** The job's command line, as the job file runs it (a job script's text for `bsub < script`). */
  command: string;
  /** The command words as given (handed as argv to docker_build). */
  words: string[];
  submitHost: string;
  submitTime: number;
  /** The submission directory (LS_SUBCWD) and the execution directory (-cwd, else the same). */
  subcwd: string;
  cwd: string;
  out?: { path: string; overwrite: boolean };
  err?: { path: string; overwrite: boolean };
  /** -i: the job's standard input. */
  input?: string;
  /** -outdir: where relative -o/-e files go (made at dispatch). */
  outdir?: string;
  interactive?: 'I' | 'Ip' | 'Is';
  slots: number;
  /** -x: the whole host. */
  exclusive?: boolean;
  /** The memory limit (-M, else rusage mem) in bytes: RLIMIT_RSS for the job starter. */
  memLimit?: number;
  /** -W: the run limit in seconds. */
  runLimit?: number;
  resReq?: string;
  ports: number[];
  gpus: number;
  /** --config handed to lsf-docker, handed on to the job starter. */
  config?: string;
  /** -w: the dependency expression. */
  dependency?: string;
  /** -b: not before this time (ms). */
  beginTime?: number;
  /** -E and -Ep. */
  preExec?: string;
  postExec?: string;
  /** -B, -N, -u. */
  mail?: { user?: string; begin?: boolean; end?: boolean };
  /** An array element's array: LSB_JOBINDEX_END, LSB_JOBINDEX_STEP, and the %N running limit. */
  array?: { first: number; last: number; step: number; limit?: number };
  status: JobStatus;
  /** PEND reason shown by bjobs -p / -l. */
  pendReason?: string;
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  /** Why the job ended abnormally, as LSF's exit reason (TERM_OWNER: job killed by owner.). */
  exitReason?: string;
  /** A wrapper or start failure in one line: shown on bsub -K/-I and in the -o header. */
  failure?: string;
  execHost?: string;
  jobPid?: number;
  tmpdir?: string;
  jobFile?: string;
  usage?: Usage;
  /** -r: pending again (not EXIT) when its run was lost with its dispatcher. */
  rerunnable?: boolean;
  /** Times a pre-exec failed (the job then pends again, up to a limit). */
  preExecFailures?: number;
  /** What happened to the job, for bhist: [time, event text]. */
  events?: Array<[number, string]>;
}

export interface JobPaths {
  record: string;
  env: string;
  /** Output spool (stdout, and stderr without -e) while the job runs; bpeek reads it. */
  out: string;
  errSpool: string;
  /** Held (flock) by whoever runs or changes the element, and inherited by the job. */
  lock: string;
  /** Written by bkill/bstop/bresume: what the dispatcher should do. */
  kill: string;
  /**
   * Why a dispatcher that adopted the element ended it (TERM_OWNER, ...), for the dispatcher that
   * is still its parent (one that handed over to a new install) to put in its -o file.
   */
  term: string;
}

export function jobPaths(dirs: Pick<StateDirs, 'user'>, id: number, index: number): JobPaths {
  const base = join(dirs.user, 'jobs', `${id}.${index}`);
  return {
    record: `${base}.json`,
    // one per job: an array's elements share their submission environment
    env: join(dirs.user, 'jobs', `${id}.env.json`),
    out: `${base}.out`,
    errSpool: `${base}.err`,
    lock: `${base}.lock`,
    kill: `${base}.kill`,
    term: `${base}.term`,
  };
}

export function readRecord(file: string): JobRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JobRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(dirs: Pick<StateDirs, 'user'>, record: JobRecord): void {
  writeAtomic(jobPaths(dirs, record.id, record.index).record, `${JSON.stringify(record)}\n`);
}

/** Applies CHANGE to the stored record (re-read first) and stores it; EVENT(S) are added to its history. */
export function updateRecord(
  dirs: Pick<StateDirs, 'user'>,
  id: number,
  index: number,
  change: Partial<JobRecord>,
  event?: string | string[],
): JobRecord {
  const file = jobPaths(dirs, id, index).record;
  const current = readRecord(file);
  if (!current) throw new Error(`job record ${file} is missing`);
  const next = { ...current, ...change };
  const events = event === undefined ? [] : typeof event === 'string' ? [event] : event;
  const now = Date.now();
  if (events.length > 0)
    next.events = [...(current.events ?? []), ...events.map((e): [number, string] => [now, e])];
  writeRecord(dirs, next);
  return next;
}

const RECORD_NAME = /^(\d+)\.(\d+)\.json$/;
const byJob = (a: JobRecord, b: JobRecord) => a.id - b.id || a.index - b.index;

/** Every record of the user, sorted by id then index. */
export function listRecords(dirs: Pick<StateDirs, 'user'>): JobRecord[] {
  const dir = join(dirs.user, 'jobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => RECORD_NAME.test(n))
    .map((n) => readRecord(join(dir, n)))
    .filter((r): r is JobRecord => r !== undefined)
    .sort(byJob);
}

/**
 * The records of a user dir, re-read only when their file changed (the dispatcher looks at every
 * record on each turn: a thousand pending jobs cost a readdir and a stat each, not a parse each).
 */
export class RecordCache {
  private readonly known = new Map<string, { stamp: string; record: JobRecord }>();
  private listed = false;
  constructor(private readonly dirs: Pick<StateDirs, 'user'>) {}

  /**
   * The records, sorted, and the names of the other files (kill requests) in the jobs dir. Not
   * FULL: only the records known not to be finished are looked at again (a finished record changes
   * only by a command that wakes the dispatcher for a full look: brequeue, bmod), no new record
   * or other file is seen. The dispatcher's own turn when one of its jobs ended then costs the
   * running and pending jobs, not every job the user ran (a user dir may hold thousands).
   */
  refresh(full = true): { records: JobRecord[]; others: string[] } {
    const dir = join(this.dirs.user, 'jobs');
    if (!full && this.listed) return { records: this.reload(dir).sort(byJob), others: [] };
    this.listed = true;
    const names = readdirSync(dir);
    const records: JobRecord[] = [];
    const seen = new Set<string>();
    const others: string[] = [];
    for (const name of names) {
      if (!RECORD_NAME.test(name)) {
        others.push(name);
        continue;
      }
      seen.add(name);
      const got = this.load(join(dir, name), name);
      if (got) records.push(got);
    }
    for (const name of this.known.keys()) if (!seen.has(name)) this.known.delete(name);
    return { records: records.sort(byJob), others };
  }

  /** Job ID[INDEX]'s record, read again only when its file changed (bsub -K's wait). */
  get(id: number, index: number): JobRecord | undefined {
    const file = jobPaths(this.dirs, id, index).record;
    return this.load(file, basename(file));
  }

  /** The known records again, those not finished re-read when their file changed. */
  private reload(dir: string): JobRecord[] {
    const records: JobRecord[] = [];
    for (const [name, hit] of this.known) {
      const got = finished(hit.record) ? hit.record : this.load(join(dir, name), name);
      if (got) records.push(got);
      else this.known.delete(name);
    }
    return records;
  }

  private load(file: string, name: string): JobRecord | undefined {
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      return undefined;
    }
    const hit = this.known.get(name);
    if (hit?.stamp === stamp) return hit.record;
    const record = readRecord(file);
    if (record) this.known.set(name, { stamp, record });
    return record;
  }
}

/** The text bjobs/bkill use for a job: 123 or 123[4]. */
export const jobLabel = (r: Pick<JobRecord, 'id' | 'index'>) =>
  r.index > 0 ? `${r.id}[${r.index}]` : String(r.id);

export const finished = (r: Pick<JobRecord, 'status'>) => r.status === 'DONE' || r.status === 'EXIT';
export const pending = (r: Pick<JobRecord, 'status'>) => r.status === 'PEND' || r.status === 'PSUSP';
export const running = (r: Pick<JobRecord, 'status'>) =>
  r.status === 'RUN' || r.status === 'USUSP' || r.status === 'SSUSP';
