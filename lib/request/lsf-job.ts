import { parseAbsolutePath } from '../kernel/grammar/path.js';
import {
  gpusAsked,
  jobTmpdirName,
  reservedPorts,
  SUBMISSION_DIR_VARIABLE,
  schedulerEnvironment,
  slotsOnHost,
} from '../scheduler/lsf/facts.js';
import type { LsfJob } from './job-request.js';
import type { Problems } from './problems.js';

type Env = Readonly<Record<string, string | undefined>>;

const GPU_ID = /^(?:\d{1,3}|GPU-[0-9a-fA-F-]{8,64}|MIG-[0-9a-zA-Z/-]{4,80})$/;

function jobNumbers(problems: Problems, env: Env): { id?: number; index: number } {
  const id = env.LSB_JOBID;
  const index = env.LSB_JOBINDEX;
  if (id !== undefined && !/^\d{1,19}$/.test(id)) problems.add('LSB_JOBID', `"${id}" is not a job number`);
  if (index !== undefined && index !== '' && !/^\d{1,9}$/.test(index)) {
    problems.add('LSB_JOBINDEX', `"${index}" is not an array index`);
  }
  return {
    id: id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined,
    index: index && /^\d+$/.test(index) ? Number(index) : 0,
  };
}

function submissionDir(problems: Problems, env: Env, cwd: string): Pick<LsfJob, 'subcwd' | 'subcwdVariable'> {
  const text = env[SUBMISSION_DIR_VARIABLE];
  const subcwdVariable = text !== undefined ? SUBMISSION_DIR_VARIABLE : 'cwd';
  if (text === undefined || text === '') return { subcwd: cwd, subcwdVariable };
  const parsed = parseAbsolutePath(text);
  if (parsed.ok) return { subcwd: parsed.path, subcwdVariable };
  problems.add(SUBMISSION_DIR_VARIABLE, parsed.reason);
  return { subcwd: cwd, subcwdVariable };
}

function allocatedGpus(problems: Problems, env: Env): string[] | undefined {
  const cuda = env.CUDA_VISIBLE_DEVICES;
  if (cuda === undefined || cuda.trim() === '') return undefined;
  const gpus = cuda.split(',').map((g) => g.trim());
  if (gpus.every((g) => GPU_ID.test(g))) return gpus;
  problems.add('CUDA_VISIBLE_DEVICES', `"${cuda}" is not a list of GPU indexes or UUIDs`);
  return undefined;
}

/** The LSF facts of the job, from the environment LSF gave it; each bad variable is reported to PROBLEMS. */
export function parseLsfJob(problems: Problems, env: Env, cwd: string, hostname: string): LsfJob {
  const { id, index } = jobNumbers(problems, env);
  const interactive = (env.LSB_INTERACTIVE ?? '').toUpperCase() === 'Y';
  return {
    id,
    index,
    name: env.LSB_JOBNAME,
    queue: env.LSB_QUEUE,
    slots: slotsOnHost(env, hostname),
    ...submissionDir(problems, env, cwd),
    interactive,
    tmpdirName: id !== undefined ? jobTmpdirName(id, index) : undefined,
    reservedPorts: reservedPorts(env.LSB_EFFECTIVE_RSRCREQ ?? env.LSB_SUB_RES_REQ),
    gpusAsked: gpusAsked(env.LSB_EFFECTIVE_RSRCREQ),
    gpus: allocatedGpus(problems, env),
    jobFile: env.LSB_JOBFILENAME,
    schedulerEnv: schedulerEnvironment(interactive),
  };
}
