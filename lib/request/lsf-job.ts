import { MAX_ARRAY_INDEX, MAX_JOB_ID, parseArrayIndex, parseJobId } from '../kernel/grammar/job-id.js';
import { parseAbsolutePath } from '../kernel/grammar/path.js';
import type { Problems } from '../kernel/problems.js';
import type { JobVariable } from '../scheduler/lsf/contract.js';
import {
  gpusAsked,
  jobTmpdirName,
  reservedPorts,
  SUBMISSION_DIR_VARIABLE,
  schedulerEnvironment,
  slotsOnHost,
} from '../scheduler/lsf/facts.js';
import type { LsfJob } from './job-request.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A variable of LSF's job contract (a name the contract lacks does not compile). */
const lsf = (env: Env, name: JobVariable) => env[name];

const GPU_ID = /^(?:\d{1,3}|GPU-[0-9a-fA-F-]{8,64}|MIG-[0-9a-zA-Z/-]{4,80})$/;

function jobNumbers(problems: Problems, env: Env): { id?: number; index: number } {
  const idText = lsf(env, 'LSB_JOBID');
  const indexText = lsf(env, 'LSB_JOBINDEX');
  const id = parseJobId(idText);
  const index = indexText === undefined || indexText === '' ? 0 : parseArrayIndex(indexText);
  if (idText !== undefined && id === undefined)
    problems.add('LSB_JOBID', `"${idText}" is not a job number (1-${MAX_JOB_ID})`);
  if (index === undefined)
    problems.add('LSB_JOBINDEX', `"${indexText}" is not an array index (0-${MAX_ARRAY_INDEX})`);
  return { id, index: index ?? 0 };
}

function submissionDir(problems: Problems, env: Env, cwd: string): Pick<LsfJob, 'subcwd' | 'subcwdVariable'> {
  const text = lsf(env, SUBMISSION_DIR_VARIABLE);
  const subcwdVariable = text !== undefined ? SUBMISSION_DIR_VARIABLE : 'cwd';
  if (text === undefined || text === '') return { subcwd: cwd, subcwdVariable };
  const parsed = parseAbsolutePath(text);
  if (parsed.ok) return { subcwd: parsed.path, subcwdVariable };
  problems.add(SUBMISSION_DIR_VARIABLE, parsed.reason);
  return { subcwd: cwd, subcwdVariable };
}

function allocatedGpus(problems: Problems, env: Env): string[] | undefined {
  const cuda = lsf(env, 'CUDA_VISIBLE_DEVICES');
  if (cuda === undefined || cuda.trim() === '') return undefined;
  const gpus = cuda.split(',').map((g) => g.trim());
  if (gpus.every((g) => GPU_ID.test(g))) return gpus;
  problems.add('CUDA_VISIBLE_DEVICES', `"${cuda}" is not a list of GPU indexes or UUIDs`);
  return undefined;
}

/** The LSF facts of the job, from the environment LSF gave it; each bad variable is reported to PROBLEMS. */
export function parseLsfJob(problems: Problems, env: Env, cwd: string, hostname: string): LsfJob {
  const { id, index } = jobNumbers(problems, env);
  const interactive = (lsf(env, 'LSB_INTERACTIVE') ?? '').toUpperCase() === 'Y';
  return {
    id,
    index,
    name: lsf(env, 'LSB_JOBNAME'),
    queue: lsf(env, 'LSB_QUEUE'),
    slots: slotsOnHost(env, hostname),
    ...submissionDir(problems, env, cwd),
    interactive,
    tmpdirName: id !== undefined ? jobTmpdirName(id, index) : undefined,
    reservedPorts: reservedPorts(lsf(env, 'LSB_EFFECTIVE_RSRCREQ') ?? lsf(env, 'LSB_SUB_RES_REQ')),
    gpusAsked: gpusAsked(lsf(env, 'LSB_EFFECTIVE_RSRCREQ')),
    gpus: allocatedGpus(problems, env),
    jobFile: lsf(env, 'LSB_JOBFILENAME'),
    schedulerEnv: schedulerEnvironment(interactive),
  };
}
