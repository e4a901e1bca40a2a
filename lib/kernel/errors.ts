import { ExitCode } from './exit-codes.js';

/**
 * A failure the wrapper reports to the user: one line on stderr and a distinct exit code.
 * `subject` names what was wrong (a variable, a config key, a path) so that the line reads
 * "SUBJECT: what rule it broke".
 */
export class WrapperError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly subject?: string,
  ) {
    super(subject ? `${subject}: ${message}` : message);
    this.name = 'WrapperError';
  }
}

export const usageError = (message: string) => new WrapperError(ExitCode.USAGE, message);
export const configError = (key: string, message: string) => new WrapperError(ExitCode.CONFIG, message, key);
/** Job text quoted in a message, control characters escaped: a newline must not forge a second stderr line. */
const printable = (text: string) =>
  text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
export const requestError = (variable: string, message: string) =>
  new WrapperError(ExitCode.BAD_REQUEST, printable(message), variable);
export const policyError = (variable: string, message: string) =>
  new WrapperError(ExitCode.POLICY, printable(message), variable);

/** Several refused entries at once (e.g. two bad volumes): one line each, the code of the first. */
export class WrapperErrors extends WrapperError {
  constructor(readonly errors: WrapperError[]) {
    super(errors[0]?.code ?? ExitCode.INTERNAL, errors.map((e) => e.message).join('\n'));
    this.name = 'WrapperErrors';
  }
}

export function isWrapperError(err: unknown): err is WrapperError {
  return err instanceof WrapperError;
}
