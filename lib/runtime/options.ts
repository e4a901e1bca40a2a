import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { Logger } from '../kernel/log/logger.js';
import type { RuntimeName } from './types.js';

/** What createRuntime needs to build a runtime's exec door: its environment and config dir, once. */
export interface RuntimeOptions {
  /** [docker] binary, host, timeout (and engine, issue 10). */
  config: Config;
  /** The user the program acts for; undefined: root's own (an admin running it directly). */
  identity: Pick<Identity, 'home'> | undefined;
  log: Logger;
  /**
   * The job's private dir (root's, 0700). When this process is root acting for IDENTITY and
   * READUSERFILE is given, the CLI's config dir is made in it, holding only the user's registry
   * credentials; without one (or without READUSERFILE) the CLI gets an empty config.
   */
  privateDir?: string;
  /**
   * Deprecated: whether this process is root acting for another user is read from the process
   * (euid 0 with an IDENTITY), never from the caller.
   */
  actingAsRoot?: boolean;
  /** Reads a file with the user's rights (HostProbe.readUserFile): the user's registry credentials. */
  readUserFile?: (path: string) => string;
  /** The CLI's whole environment, when the caller built it (docker_build's root session). */
  environment?: Record<string, string>;
  /** The engine ([docker] engine, issue 10); docker when not given. */
  engine?: RuntimeName;
  /** The effective uid (tests); process.geteuid() when not given. */
  euid?: number;
}
