import type { Config } from '../config/schema.js';
import { usageError } from '../kernel/errors.js';
import { JOB_TARGET_FORM, type JobTarget, parseJobTarget } from '../kernel/grammar/job-id.js';
import type { Logger } from '../kernel/log/logger.js';
import {
  denyPatterns,
  entryName,
  filterVariables,
  JOB_VARIABLES,
  jobEnvironment,
} from '../policy/rules/environment.js';
import { parsePreserveEnvironment } from '../request/variables.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ExecRequest {
  job: JobTarget;
  /** The words after the job id: one is shell text, more an argv. */
  words: string[];
}

/**
 * docker_exec's words: JOBID [--] COMMAND..., or COMMAND... alone when the job starter gives the
 * id in LSB_DOCKER_EXEC_JOBID. Pure; usage errors (210) for what is missing or malformed.
 */
export function parseExecRequest(argv: readonly string[], env: Env): ExecRequest {
  let words = [...argv];
  let jobText = env.LSB_DOCKER_EXEC_JOBID;
  if (jobText === undefined || jobText === '') {
    jobText = words[0];
    words = words.slice(1);
    if (words[0] === '--') words = words.slice(1);
  }
  if (!jobText) throw usageError('no JOBID given (see docker_exec --help)');
  const job = parseJobTarget(jobText.trim());
  if (!job) throw usageError(`JOBID "${jobText}" is not a job id (${JOB_TARGET_FORM})`);
  if (words.length === 0 || words.join('').trim() === '')
    throw usageError('no COMMAND given (see docker_exec --help)');
  return { job, words };
}

/**
 * The exec's environment, by docker_run's rules: the job's whole environment when preserved
 * (LSF_DOCKER_PRESERVE_ENVIRONMENT, else the admin's default), otherwise only the job variables;
 * then the deny list. Run through sudo, the job's environment is SNAPSHOT (read as the user) and
 * what sudo kept, never what sudo set (lib/policy/rules/environment.ts jobEnvironment). A bad
 * LSF_DOCKER_PRESERVE_ENVIRONMENT is refused (212), as docker_run does.
 */
export function execEnvironment(env: Env, config: Config, log: Logger, snapshot?: string[]): string[] {
  const parsed = parsePreserveEnvironment(env);
  if (!parsed.ok) throw parsed.error;
  const preserve = parsed.value ?? config.environment.preserve;
  const base = jobEnvironment(env, snapshot).filter((e) => preserve || JOB_VARIABLES.includes(entryName(e)));
  // Each name once already (jobEnvironment): nothing to merge.
  const decided = filterVariables(base, [], denyPatterns(config.environment.deny));
  for (const d of decided.dropped) log.debug(`environment: ${d.name} dropped (${d.reason})`);
  return decided.kept;
}
