/**
 * One subcommand of `lsf-docker`: the remaining argv and the `--config` path (which it hands on
 * to the esubs and job starters it runs) in, an exit status out.
 */
export type Subcommand = (argv: string[], ctx: { config?: string }) => Promise<number>;
