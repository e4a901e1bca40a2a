import { existsSync, statSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.js';
import { type AccountLookup, profileSummary, profileWarnings } from '../config/profiles/check.js';
import type { Config } from '../config/schema.js';
import { accountExists } from '../host/accounts.js';
import { usageError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';

const HELP = `Usage: lsf-docker [--config FILE] config check [FILE]

Validates an admin config the way docker_run loads it (ownership, mode, every key and value,
every [profile NAME]) and warns about settings that load but will not work on this host
(profiles nobody here may use, widenings that change nothing, privileged profiles). Exit 0 when
valid (warnings included), 211 when not.`;

const HOST_ACCOUNTS: AccountLookup = {
  user: (name) => accountExists('passwd', name),
  group: (name) => accountExists('group', name),
};

/** Settings that load but will not do what the admin expects on this host: one line each. */
export function configWarnings(config: Config, exists: (path: string) => boolean = existsSync): string[] {
  const warnings: string[] = [];
  for (const root of config.volumes.allow) {
    if (!exists(root)) warnings.push(`[volumes] allow: ${root} does not exist on this host`);
  }
  for (const m of config.mounts.mount) {
    if (!exists(m.source)) warnings.push(`[mounts] mount: ${m.source} is absent here (skipped at run time)`);
  }
  if (!exists(config.paths.tmpRoot))
    warnings.push(`[paths] tmp_root: ${config.paths.tmpRoot} does not exist`);
  if (config.resources.ulimits.some((u) => /^memlock=-1/.test(u))) {
    warnings.push(
      '[resources] ulimit: memlock=-1 fails on hosts where root lacks CAP_SYS_RESOURCE (see the admin guide)',
    );
  }
  if (config.docker.binary.startsWith('/') && !exists(config.docker.binary)) {
    warnings.push(`[docker] binary: ${config.docker.binary} does not exist`);
  }
  if (config.devices.gpus === 'all')
    warnings.push('[devices] gpus = all: every job sees every GPU of the host');
  if (config.network.allow.some((n) => n.startsWith('container:'))) {
    warnings.push("[network] allow: container: modes let a job join another container (another user's too)");
  }
  return warnings;
}

export const configCommand: Subcommand = async (argv, ctx) => {
  const [action, file, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === undefined) {
    process.stdout.write(`${HELP}\n`);
    return action === undefined ? ExitCode.USAGE : Status.OK;
  }
  if (action !== 'check') throw usageError(`config: unknown action "${action}" (only: check)`);
  if (rest.length > 0) throw usageError('config check takes at most one FILE');
  const path = file ?? ctx.config;
  const loaded = loadConfig(path, { euid: process.geteuid!() });
  const shown = loaded.path ?? `${DEFAULT_CONFIG_PATH} (absent: built-in defaults)`;
  const warnings = [...configWarnings(loaded.config), ...profileWarnings(loaded.config, HOST_ACCOUNTS)];
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
  for (const def of Object.values(loaded.config.profiles)) process.stdout.write(`${profileSummary(def)}\n`);
  const mode = loaded.path ? (statSync(loaded.path).mode & 0o777).toString(8) : '-';
  process.stdout.write(`${shown}: valid (mode ${mode})\n`);
  return 0;
};
