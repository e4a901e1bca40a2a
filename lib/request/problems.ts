import { requestError, type WrapperError, WrapperErrors } from '../kernel/errors.js';

/** Collects one error per bad variable or entry instead of stopping at the first. */
export class Problems {
  readonly list: WrapperError[] = [];
  add(variable: string, message: string) {
    this.list.push(requestError(variable, message));
  }
  addError(error: WrapperError) {
    this.list.push(error);
  }
  throwIfAny() {
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new WrapperErrors(this.list);
  }
}
