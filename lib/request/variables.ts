import { requestError, type WrapperError } from '../kernel/errors.js';
import { parseBool } from '../kernel/grammar/words.js';
import { type LogLevel, parseLogLevel } from '../kernel/log/levels.js';

/** One switch variable read from the environment: unset (or blank) gives undefined; a bad value, the error to report. */
export type VariableParse<T> = { ok: true; value: T | undefined } | { ok: false; error: WrapperError };

type Env = Readonly<Record<string, string | undefined>>;

function switchOf<T>(
  env: Env,
  variable: string,
  parse: (text: string) => T | undefined,
  expected: string,
): VariableParse<T> {
  const text = env[variable];
  if (text === undefined || text.trim() === '') return { ok: true, value: undefined };
  const value = parse(text);
  if (value === undefined)
    return { ok: false, error: requestError(variable, `"${text}" is not ${expected}`) };
  return { ok: true, value };
}

/** LSF_DOCKER_PRESERVE_ENVIRONMENT: whether the job's whole environment reaches the container (undefined: the admin's default). */
export function parsePreserveEnvironment(env: Env): VariableParse<boolean> {
  return switchOf(env, 'LSF_DOCKER_PRESERVE_ENVIRONMENT', parseBool, 'true or false');
}

/** LSF_DOCKER_RUN_LOGLEVEL: the wrapper's log level for this job (undefined: the admin's). */
export function parseRunLogLevel(env: Env): VariableParse<LogLevel> {
  return switchOf(env, 'LSF_DOCKER_RUN_LOGLEVEL', parseLogLevel, 'CRITICAL, ERROR, WARNING, INFO or DEBUG');
}
