import { chmodSync, mkdirSync } from 'node:fs';
import type { Identity } from '../host/identity.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import type { CliProfile, RootSessionFiles } from '../runtime/cli-profile.js';

/**
 * When docker_build runs as root for a user (sudo), the runtime's CLI runs as root: nothing of
 * the user's may steer it. Its HOME is a root-owned private dir (no ~/.gitconfig, ~/.ssh,
 * ~/.docker, ~/.config/containers of the user's), its logins a private copy holding only the
 * user's registry credentials (docker: a DOCKER_CONFIG without credsStore, credHelpers or plugin
 * dirs; podman: a REGISTRY_AUTH_FILE), and git reads no system or global config.
 */
export interface RootSession {
  /** The private 0700 dir (root's), removed by close(). */
  dir: string;
  /** The CLI's environment. */
  env: Record<string, string>;
  /** The private login file the CLI reads and writes (merged into the user's own after a login). */
  loginFile: string;
  /** Where the CLI writes --iidfile; the wrapper copies it to the user's path as the user. */
  iidfile: string;
  close(): void;
}

/** True when this process is root acting for another user (sudo mode). */
export function actingAsRootFor(identity: Pick<Identity, 'uid'>, euid = process.geteuid!()): boolean {
  return euid === 0 && identity.uid !== 0;
}

/** ENV with git told to read no system or global config (a build may run git as root). */
export function withoutGitConfig(env: Record<string, string>): Record<string, string> {
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
}

/** The root CLI's environment and private login file for FILES, by the engine's PROFILE. */
export function rootSessionEnvironment(
  profile: CliProfile,
  files: RootSessionFiles,
  host: string | undefined,
) {
  const { env, loginFile } = profile.rootEnvironment(files, host);
  return { env: withoutGitConfig(env), loginFile };
}

/** Creates the private dir, its HOME and the CLI's private logins (the user's credentials read with their rights). */
export function openRootSession(
  tmpRoot: string,
  identity: Pick<Identity, 'uid' | 'home'>,
  profile: CliProfile,
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
    const files = { dir, privateHome: home, userHome: identity.home, readUserFile };
    const { env, loginFile } = rootSessionEnvironment(profile, files, dockerHost);
    return {
      dir,
      env,
      loginFile,
      iidfile: `${dir}/iid`,
      close: () => removePrivateDir(dir),
    };
  } catch (err) {
    removePrivateDir(dir);
    throw err;
  }
}
