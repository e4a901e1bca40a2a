import type { EsubResolver } from './in-process-esub.js';

/**
 * One subcommand of `lsf-docker`: the remaining argv and the `--config` path (which it hands on
 * to the esubs and job starters it runs) in, an exit status out.
 */
export type Subcommand = (argv: string[], ctx: SubcommandContext) => Promise<number>;

export interface SubcommandContext {
  config?: string;
  /** Which esubs bsub may run in its own process (lib/programs/builtin-esubs.ts); none: all as processes. */
  esubs?: EsubResolver;
}
