import { chmodSync, mkdirSync } from 'node:fs';
import type { Identity } from '../host/identity.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import { dockerConfigFor } from '../runtime/docker/config-dir.js';
import { cliEnvironment } from '../runtime/docker/environment.js';

/**
 * When docker_build runs as root for a user (sudo), the docker CLI runs as root: nothing of the
 * user's may steer it. Its HOME is a root-owned private dir (no ~/.gitconfig, ~/.ssh, ~/.docker
 * of the user's), its DOCKER_CONFIG a private copy holding only the user's registry credentials
 * (no credsStore, credHelpers or plugin dirs), and git reads no system or global config.
 */
export interface RootSession {
  /** The private 0700 dir (root's), removed by close(). */
  dir: string;
  /** The CLI's environment. */
  env: Record<string, string>;
  /** The CLI's DOCKER_CONFIG dir (a private one). */
  dockerConfig: string;
  /** Where docker writes --iidfile; the wrapper copies it to the user's path as the user. */
  iidfile: string;
  close(): void;
}

/** True when this process is root acting for another user (sudo mode). */
export function actingAsRootFor(identity: Pick<Identity, 'uid'>, euid = process.geteuid!()): boolean {
  return euid === 0 && identity.uid !== 0;
}

/** The docker CLI's environment when it runs as root for a user: HOME, DOCKER_CONFIG private; git told to read no config. */
export function rootCliEnvironment(
  privateHome: string,
  dockerConfig: string,
  dockerHost: string | undefined,
): Record<string, string> {
  return {
    ...cliEnvironment(privateHome, dockerHost, dockerConfig),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}

/** Creates the private dir, its HOME and DOCKER_CONFIG (the user's credentials read with their rights). */
export function openRootSession(
  tmpRoot: string,
  identity: Pick<Identity, 'uid' | 'home'>,
  dockerHost: string | undefined,
  readUserFile: (path: string) => string,
  hostname: string,
): RootSession {
  checkTmpRoot(tmpRoot, identity.uid);
  const { dir } = createPrivateDir(tmpRoot, identity.uid, {
    passwd: '',
    group: '',
    env: '',
    owner: {
      pid: process.pid,
      host: hostname,
      uid: identity.uid,
      container: '',
      job: process.env.LSB_JOBID ?? '',
      started: new Date().toISOString(),
    },
  });
  try {
    const home = `${dir}/home`;
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o700);
    const dockerConfig = dockerConfigFor(identity.home, true, dir, readUserFile);
    return {
      dir,
      env: rootCliEnvironment(home, dockerConfig, dockerHost),
      dockerConfig,
      iidfile: `${dir}/iid`,
      close: () => removePrivateDir(dir),
    };
  } catch (err) {
    removePrivateDir(dir);
    throw err;
  }
}
