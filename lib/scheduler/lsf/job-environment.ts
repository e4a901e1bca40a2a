import type { DispatchedJob } from '../job.js';
import { isJobVariable, type JobVariable } from './contract.js';

type JobEnv = Partial<Record<JobVariable, string>>;

/** LSF's effective resource request: the request (or the default selection) with the GPU allocation in it. */
export function effectiveResourceRequest(
  job: Pick<DispatchedJob, 'resourceRequest' | 'defaultSelection' | 'gpus'>,
) {
  const gpus = job.gpus.length > 0 ? `rusage[ngpus_physical=${job.gpus.length}]` : '';
  return [job.resourceRequest ?? job.defaultSelection, gpus].filter(Boolean).join(' ');
}

/** The variables LSF (sbatchd) sets for a dispatched job: the contract's JOB_ENV, written. Pure. */
export function lsfJobEnvironment(job: DispatchedJob): JobEnv {
  const slots = job.hosts.reduce((n, h) => n + h.slots, 0);
  const env: JobEnv = {
    LSB_JOBID: String(job.id),
    LSB_JOBINDEX: String(job.index),
    LSB_JOBNAME: job.name,
    LSB_QUEUE: job.queue,
    LSB_HOSTS: job.hosts.flatMap((h) => Array.from({ length: h.slots }, () => h.host)).join(' '),
    LSB_MCPU_HOSTS: job.hosts.map((h) => `${h.host} ${h.slots}`).join(' '),
    LSB_DJOB_NUMPROC: String(slots),
    LSB_MAX_NUM_PROCESSORS: String(slots),
    LS_SUBCWD: job.submitDir,
    LS_EXECCWD: job.execDir,
    LSB_JOBFILENAME: job.jobFile,
    LSB_SUB_HOST: job.submitHost,
    LSB_EXEC_CLUSTER: job.cluster,
    LSB_JOB_EXECUSER: job.user,
    LSB_BATCH_JID: job.index > 0 ? `${job.id}[${job.index}]` : String(job.id),
    TMPDIR: job.tmpdir,
    // Set for every job (a value the user exported never survives), with the GPU allocation in
    // it: docker_run trusts CUDA_VISIBLE_DEVICES only then.
    LSB_EFFECTIVE_RSRCREQ: effectiveResourceRequest(job),
  };
  if (job.resourceRequest) env.LSB_SUB_RES_REQ = job.resourceRequest;
  if (job.interactive) env.LSB_INTERACTIVE = 'Y';
  if (job.app) env.LSB_APPLICATION_NAME = job.app;
  if (job.outFile) env.LSB_OUTPUTFILE = job.outFile;
  if (job.errFile) env.LSB_ERRORFILE = job.errFile;
  if (job.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = job.gpus.join(',');
  return env;
}

/**
 * The environment the job starter runs with, as sbatchd builds it: the submitted environment with
 * every JOB_ENV name dropped, then the job's own set.
 */
export function jobEnvironment(submitted: Readonly<Record<string, string>>, job: DispatchedJob) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(submitted)) if (!isJobVariable(k)) env[k] = v;
  return { ...env, ...lsfJobEnvironment(job) } as Record<string, string>;
}

/** The leaf of the job file LSF writes under ~/.lsbatch: <submit time in s>.<ID>[.<INDEX>]. */
export function jobFileName(submitTimeMs: number, id: number, index: number): string {
  return `${Math.floor(submitTimeMs / 1000)}.${id}${index > 0 ? `.${index}` : ''}`;
}
