import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateDirs } from './state.js';
import { writeAtomic } from './state.js';

export type JobStatus = 'PEND' | 'RUN' | 'DONE' | 'EXIT';

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
  group?: string;
  /** The job's command line, as the job file runs it. */
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
  interactive?: 'I' | 'Ip' | 'Is';
  slots: number;
  /** The memory limit (-M, else rusage mem) in bytes: RLIMIT_RSS for the job starter. */
  memLimit?: number;
  resReq?: string;
  ports: number[];
  gpus: number;
  /** --config handed to lsf-docker, handed on to the job starter. */
  config?: string;
  status: JobStatus;
  /** PEND reason shown by bjobs -l. */
  pendReason?: string;
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  /** Why the job ended abnormally (TERM_OWNER...). */
  exitReason?: string;
  execHost?: string;
  supervisorPid?: number;
  jobPid?: number;
  tmpdir?: string;
  jobFile?: string;
  usage?: { cpuSeconds: number; maxMemBytes: number; maxProcesses: number; maxThreads: number };
}

export interface JobPaths {
  record: string;
  env: string;
  /** Output spool (stdout, and stderr without -e) while the job runs; bpeek reads it. */
  out: string;
  errSpool: string;
  /** Held (flock) by the supervisor and inherited by the job: proves someone runs it. */
  lock: string;
  /** Written by bkill: what the supervisor should do. */
  kill: string;
  log: string;
}

export function jobPaths(dirs: StateDirs, id: number, index: number): JobPaths {
  const base = join(dirs.user, 'jobs', `${id}.${index}`);
  return {
    record: `${base}.json`,
    env: `${base}.env.json`,
    out: `${base}.out`,
    errSpool: `${base}.err`,
    lock: `${base}.lock`,
    kill: `${base}.kill`,
    log: `${base}.log`,
  };
}

export function readRecord(file: string): JobRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JobRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(dirs: StateDirs, record: JobRecord): void {
  writeAtomic(jobPaths(dirs, record.id, record.index).record, `${JSON.stringify(record, null, 1)}\n`);
}

/** Applies CHANGE to the stored record (re-read first) and stores it. */
export function updateRecord(
  dirs: StateDirs,
  id: number,
  index: number,
  change: Partial<JobRecord>,
): JobRecord {
  const file = jobPaths(dirs, id, index).record;
  const current = readRecord(file);
  if (!current) throw new Error(`job record ${file} is missing`);
  const next = { ...current, ...change };
  writeRecord(dirs, next);
  return next;
}

/** Every record of the user, sorted by id then index. */
export function listRecords(dirs: StateDirs): JobRecord[] {
  const dir = join(dirs.user, 'jobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^\d+\.\d+\.json$/.test(n))
    .map((n) => readRecord(join(dir, n)))
    .filter((r): r is JobRecord => r !== undefined)
    .sort((a, b) => a.id - b.id || a.index - b.index);
}

/** The text bjobs/bkill use for a job: 123 or 123[4]. */
export const jobLabel = (r: Pick<JobRecord, 'id' | 'index'>) =>
  r.index > 0 ? `${r.id}[${r.index}]` : String(r.id);
