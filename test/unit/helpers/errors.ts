import { WrapperError, WrapperErrors } from '../../../lib/kernel/errors.js';

/** The WrapperError thrown by FN; fails the test when nothing, or something else, is thrown. */
export function errorOf(fn: () => unknown): WrapperError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WrapperError) return err;
    throw err;
  }
  throw new Error('expected a WrapperError, nothing was thrown');
}

/** The message lines of a WrapperError (several for WrapperErrors). */
export function linesOf(err: WrapperError): string[] {
  return err instanceof WrapperErrors ? err.errors.map((e) => e.message) : [err.message];
}
