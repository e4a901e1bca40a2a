import { isWrapperError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/**
 * What a program says and exits with when ERR ends it: a WrapperError is "NAME: message" (one
 * line per line of it) and its code; anything else is a bug, one line with INTERNAL (its stack
 * with TRACE). Pure.
 */
export function failureOf(name: string, err: unknown, trace: boolean): { text: string; status: number } {
  if (isWrapperError(err))
    return {
      text: err.message
        .split('\n')
        .map((line) => `${name}: ${line}\n`)
        .join(''),
      status: err.code,
    };
  const detail = err instanceof Error ? (trace ? err.stack : err.message) : String(err);
  return { text: `${name}: internal error: ${detail}\n`, status: ExitCode.INTERNAL };
}
