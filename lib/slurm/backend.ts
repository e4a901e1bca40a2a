import { loadConfig } from '../config/load.js';
import type { Subcommand } from '../kernel/subcommand.js';

/** The subcommands `[scheduler] backend = slurm` sends here instead of to the local LSF. */
export const SLURM_SUBCOMMANDS = ['bsub', 'bjobs', 'bkill', 'bpeek'] as const;
export type SlurmSubcommand = (typeof SLURM_SUBCOMMANDS)[number];

/** Whether the admin config (--config, else the default) selects the Slurm back-end. */
export function slurmSelected(configPath: string | undefined): boolean {
  return loadConfig(configPath, { euid: process.geteuid!() }).config.scheduler.backend === 'slurm';
}

/** The Slurm back-end's SUBCOMMAND, loaded when called. */
export async function slurmSubcommand(name: SlurmSubcommand): Promise<Subcommand> {
  if (name === 'bsub') return (await import('./bsub.js')).bsub;
  if (name === 'bkill') return (await import('./bkill.js')).bkill;
  const jobs = await import('./bjobs.js');
  return name === 'bjobs' ? jobs.bjobs : jobs.bpeek;
}
