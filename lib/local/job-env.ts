import { jobEnvironment } from '../scheduler/lsf/job-environment.js';
import type { JobRecord } from './record.js';

export const LOCAL_CLUSTER = 'local';
/** What LSF writes into LSB_EFFECTIVE_RSRCREQ for a job that asked for nothing, on this host. */
const LOCAL_SELECTION = 'select[type == local] order[r15s:pg]';

/**
 * The environment the job starter runs with, as sbatchd builds it: the submitted environment
 * (after -env and the esubs) with LSF's own job variables set for this job and element, through
 * the LSF contract (scheduler/lsf/job-environment.ts).
 */
export function buildJobEnv(
  record: JobRecord,
  submitted: Record<string, string>,
  ctx: {
    host: string;
    tmpdir: string;
    jobFile: string;
    gpuIds: number[];
    outFile?: string;
    errFile?: string;
  },
): Record<string, string> {
  const env = jobEnvironment(submitted, {
    id: record.id,
    index: record.index,
    name: record.name,
    queue: record.queue,
    user: record.user,
    submitHost: record.submitHost,
    cluster: LOCAL_CLUSTER,
    hosts: [{ host: ctx.host, slots: record.slots }],
    submitDir: record.cwd,
    execDir: record.cwd,
    jobFile: ctx.jobFile,
    tmpdir: ctx.tmpdir,
    resourceRequest: record.resReq,
    defaultSelection: LOCAL_SELECTION,
    gpus: record.gpus > 0 ? ctx.gpuIds : [],
    interactive: !!record.interactive,
    app: record.app,
    outFile: ctx.outFile,
    errFile: ctx.errFile,
  });
  for (const name of LOCAL_NAMES) delete env[name];
  return { ...env, ...localJobVariables(record) };
}

/** The job variables the local LSF sets beyond the contract's: an array's end and step, -P's project. */
const LOCAL_NAMES = ['LSB_JOBINDEX_END', 'LSB_JOBINDEX_STEP', 'LSB_PROJECT_NAME'] as const;

/** Their values for RECORD (none that it does not have). Pure. */
export function localJobVariables(record: JobRecord): Record<string, string> {
  const out: Record<string, string> = {};
  if (record.array && record.index > 0) {
    out.LSB_JOBINDEX_END = String(record.array.last);
    out.LSB_JOBINDEX_STEP = String(record.array.step);
  }
  if (record.project) out.LSB_PROJECT_NAME = record.project;
  return out;
}
