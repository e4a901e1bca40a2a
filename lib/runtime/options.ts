import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { Logger } from '../kernel/log/logger.js';
import type { RuntimeName } from './types.js';

/** What createRuntime needs to build a runtime's exec door: its environment and config dir, once. */
export interface RuntimeOptions {
  /** [docker] binary, host, timeout (and engine, issue 10). */
  config: Config;
  /** Whose HOME and registry credentials the CLI uses; undefined: root's own (/root). */
  identity: Pick<Identity, 'home'> | undefined;
  log: Logger;
  /**
   * The job's private dir. When acting as root for a user, the CLI's config dir is made in it
   * (0700), holding only the user's registry credentials, read with READUSERFILE.
   */
  privateDir?: string;
  /** This process is root acting for another user (sudo mode). */
  actingAsRoot: boolean;
  /** Reads a file with the user's rights (HostProbe.readUserFile); used with privateDir as root. */
  readUserFile?: (path: string) => string;
  /** The CLI's whole environment, when the caller built it (docker_build's root session). */
  environment?: Record<string, string>;
  /** The engine ([docker] engine, issue 10); docker when not given. */
  engine?: RuntimeName;
}
