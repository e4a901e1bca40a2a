import { loadConfig } from '../config/load.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { createLogger } from '../kernel/log/logger.js';
import { createRuntime } from '../runtime/create.js';

/** The config, logger and runtime of an `lsf-docker images` / `doctor --image` run: as root, root's own; else the user's. */
export function imagesContext(configPath: string | undefined) {
  const euid = process.geteuid!();
  const { config } = loadConfig(configPath, { euid });
  const log = createLogger('lsf-docker', config.log.level);
  const asRoot = euid === 0 && process.env.SUDO_UID === undefined;
  const identity = asRoot ? undefined : identityFromOs();
  const runtime = createRuntime({ config, identity, log, actingAsRoot: false });
  return { config, log, euid, home: identity?.home ?? '/root', runtime };
}
