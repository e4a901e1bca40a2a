import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { prepareState, type StateDirs, stateDirs } from './state.js';

/** The local LSF as one command sees it: the config, the state dirs, and who runs the command. */
export interface Local {
  config: Config;
  configPath?: string;
  dirs: StateDirs;
  uid: number;
  gid: number;
  user: string;
  home: string;
}

/**
 * The local LSF for the user running the command. Jobs never run as root, so root gets it only
 * with ADMIN (badmin, bhosts, bqueues, lsload: the host, not jobs of its own) and then has no
 * user dir.
 */
export function openLocal(configPath: string | undefined, opts: { admin?: boolean } = {}): Local {
  const { config } = loadConfig(configPath, { euid: process.geteuid!() });
  if (opts.admin && process.getuid!() === 0) {
    const dirs = prepareState(stateDirs(config, 0, '/root'), 0, config.local.stateDir !== undefined, {
      userDir: false,
    });
    return { config, configPath, dirs, uid: 0, gid: 0, user: 'root', home: '/root' };
  }
  const identity = identityFromOs();
  const dirs = prepareState(
    stateDirs(config, identity.uid, identity.home),
    identity.uid,
    config.local.stateDir !== undefined,
  );
  return {
    config,
    configPath,
    dirs,
    uid: identity.uid,
    gid: identity.gid,
    user: identity.user,
    home: identity.home,
  };
}

/** The bin/ directory of the running lsf-docker: where its esubs and job starters are. */
export function binDir(): string {
  return dirname(realpathSync(process.argv[1]!));
}

export const shortHost = () => hostname().split('.')[0] ?? hostname();

/** Whether a process still lives. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const out = (text: string) => process.stdout.write(text);
export const err = (text: string) => process.stderr.write(text);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
