import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { authsOnly } from '../docker/config-dir.js';

/**
 * The podman CLI's environment, built here and nothing inherited (the exec door passes no other
 * variable). Rootless, podman needs the user's runtime dir; rootful it must read nothing of the
 * user's: podman as root with the user's HOME would read their ~/.config/containers and
 * ~/.docker/config.json (credential helpers, an OCI runtime path).
 */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where lsf-docker keeps a user's podman logins: podman's own lasting place (the default one, under XDG_RUNTIME_DIR, is lost at logout or reboot). */
export const podmanAuthFile = (home: string) => `${home}/.config/containers/auth.json`;

/** The rootless user's runtime dir: podman's locks, its runroot, the pause process. */
export const runtimeDir = (uid: number) => `/run/user/${uid}`;

/**
 * As the user (rootless): their HOME (their store and storage.conf) and XDG_RUNTIME_DIR. With
 * AUTHFILE (docker_build), logins go to and come from that file only.
 */
export function rootlessEnvironment(home: string, uid: number, authFile?: string): Record<string, string> {
  const env: Record<string, string> = { PATH, HOME: home, XDG_RUNTIME_DIR: runtimeDir(uid), LANG: 'C.UTF-8' };
  if (authFile) env.REGISTRY_AUTH_FILE = authFile;
  return env;
}

/** As root (rootful): root's own HOME, or a private one; the user's logins only through AUTHFILE, a private copy. */
export function rootfulEnvironment(home = '/root', authFile?: string): Record<string, string> {
  const env: Record<string, string> = { PATH, HOME: home, LANG: 'C.UTF-8' };
  if (authFile) env.REGISTRY_AUTH_FILE = authFile;
  return env;
}

/**
 * As root for a user: a 0700 dir in the job's private DIR holding a 0600 auth.json with only the
 * registry entries of the user's podman logins (read with the user's rights by READUSERFILE).
 * Returns the file, for REGISTRY_AUTH_FILE.
 */
export function privateAuthFile(
  dir: string,
  userHome: string,
  readUserFile: (path: string) => string,
): string {
  const own = `${dir}/containers`;
  mkdirSync(own, { mode: 0o700 });
  chmodSync(own, 0o700);
  let text: string | undefined;
  try {
    text = readUserFile(podmanAuthFile(userHome));
  } catch {
    text = undefined;
  }
  const file = `${own}/auth.json`;
  writeFileSync(file, authsOnly(text), { flag: 'wx', mode: 0o600 });
  return file;
}
