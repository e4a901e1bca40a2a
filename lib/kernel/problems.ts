import { policyError, requestError, type WrapperError, WrapperErrors } from './errors.js';

/**
 * Collects one error per bad variable or entry instead of stopping at the first, then throws them
 * together (one stderr line each, the exit code of the first). MAKE builds each error: the
 * request parser's problems are requestErrors (212), policy's refusals policyErrors (213).
 */
export class Problems {
  readonly list: WrapperError[] = [];
  constructor(private readonly make: (subject: string, message: string) => WrapperError = requestError) {}

  add(subject: string, message: string): void {
    this.list.push(this.make(subject, message));
  }

  /** Collects an error made elsewhere (when the code differs from entry to entry). */
  push(error: WrapperError): void {
    this.list.push(error);
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  throwIfAny(): void {
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new WrapperErrors(this.list);
  }
}

/** Problems with a job variable's grammar (exit 212). */
export const requestProblems = () => new Problems(requestError);
/** Requests the admin's policy refuses (exit 213). */
export const policyRefusals = () => new Problems(policyError);
