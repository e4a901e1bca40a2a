import type { JobRecord } from './record.js';

/** Variables of the submission environment that LSF sets itself for the job (dropped, then set fresh). */
const LSF_OWNED =
  /^(LSB_JOBID|LSB_JOBINDEX|LSB_JOBNAME|LSB_QUEUE|LSB_HOSTS|LSB_MCPU_HOSTS|LS_SUBCWD|LS_EXECCWD|LSB_JOBFILENAME|LSB_EFFECTIVE_RSRCREQ|LSB_SUB_RES_REQ|LSB_INTERACTIVE|LSB_DJOB_NUMPROC|LSB_MAX_NUM_PROCESSORS|LSB_OUTPUTFILE|LSB_ERRORFILE|LSB_SUB_HOST|LSB_EXEC_CLUSTER|LSB_JOB_EXECUSER|LS_JOBPID|LSB_BATCH_JID|LSB_JOBID_STR|TMPDIR|CUDA_VISIBLE_DEVICES|LSB_JOB_STARTER|LSB_APPLICATION_NAME)$/;

export const LOCAL_CLUSTER = 'local';

/**
 * The environment the job starter runs with, as sbatchd builds it: the submitted environment
 * (after -env and the esubs) with LSF's own job variables set for this job and element.
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
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(submitted)) if (!LSF_OWNED.test(k)) env[k] = v;
  const hosts = Array.from({ length: record.slots }, () => ctx.host).join(' ');
  Object.assign(env, {
    LSB_JOBID: String(record.id),
    LSB_JOBINDEX: String(record.index),
    LSB_JOBNAME: record.name,
    LSB_QUEUE: record.queue,
    LSB_HOSTS: hosts,
    LSB_MCPU_HOSTS: `${ctx.host} ${record.slots}`,
    LSB_DJOB_NUMPROC: String(record.slots),
    LSB_MAX_NUM_PROCESSORS: String(record.slots),
    LS_SUBCWD: record.cwd,
    LS_EXECCWD: record.cwd,
    LSB_JOBFILENAME: ctx.jobFile,
    LSB_SUB_HOST: record.submitHost,
    LSB_EXEC_CLUSTER: LOCAL_CLUSTER,
    LSB_JOB_EXECUSER: record.user,
    LSB_BATCH_JID: record.index > 0 ? `${record.id}[${record.index}]` : String(record.id),
    TMPDIR: ctx.tmpdir,
  });
  // LSF writes the effective resource request for every job (so a value the user exported never
  // survives), with the GPU allocation in it: docker_run trusts CUDA_VISIBLE_DEVICES only then.
  const gpuReq = record.gpus > 0 ? `rusage[ngpus_physical=${record.gpus}]` : '';
  env.LSB_EFFECTIVE_RSRCREQ = [record.resReq ?? 'select[type == local] order[r15s:pg]', gpuReq]
    .filter(Boolean)
    .join(' ');
  if (record.resReq) env.LSB_SUB_RES_REQ = record.resReq;
  else delete env.LSB_SUB_RES_REQ;
  if (record.interactive) env.LSB_INTERACTIVE = 'Y';
  if (record.app) env.LSB_APPLICATION_NAME = record.app;
  if (ctx.outFile) env.LSB_OUTPUTFILE = ctx.outFile;
  if (ctx.errFile) env.LSB_ERRORFILE = ctx.errFile;
  if (record.gpus > 0) env.CUDA_VISIBLE_DEVICES = ctx.gpuIds.join(',');
  return env;
}
