import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { SlurmClient } from '../scheduler/slurm/client.js';

/** The Slurm back-end as one command sees it: the config, the Slurm client, who runs the command. */
export interface SlurmSide {
  config: Config;
  client: SlurmClient;
  /** The real uid: jobs are listed and killed for this user (root: everyone's). */
  uid: number;
}

export function openSlurm(configPath: string | undefined): SlurmSide {
  const { config } = loadConfig(configPath, { euid: process.geteuid!() });
  const { conf, binDir, timeout } = config.slurm;
  return {
    config,
    client: new SlurmClient({ conf, binDir, timeoutSeconds: timeout }),
    uid: process.getuid!(),
  };
}

/** The bin/ directory of the running lsf-docker: where its job starters are (the same prefix on every node). */
export function binDir(): string {
  return dirname(realpathSync(process.argv[1]!));
}

export const shortHost = () => hostname().split('.')[0] ?? hostname();
export const out = (text: string) => process.stdout.write(text);
export const err = (text: string) => process.stderr.write(text);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
