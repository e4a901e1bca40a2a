import { chmodSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';

/**
 * Keeps only the registry credentials of a docker config.json. Everything else it may hold
 * (credsStore, credHelpers, cliPluginsExtraDirs, proxies, ...) names programs or settings the
 * CLI would act on; when the CLI runs as root for a user, none of that may come from the user.
 */
export function authsOnly(configText: string | undefined): string {
  let auths: Record<string, { auth?: string; identitytoken?: string }> = {};
  try {
    const parsed = JSON.parse(configText ?? '{}') as { auths?: unknown };
    if (parsed.auths && typeof parsed.auths === 'object') {
      for (const [registry, entry] of Object.entries(parsed.auths as Record<string, unknown>)) {
        if (!entry || typeof entry !== 'object' || !/^[A-Za-z0-9.:[\]/_-]+$/.test(registry)) continue;
        const { auth, identitytoken } = entry as Record<string, unknown>;
        const kept: { auth?: string; identitytoken?: string } = {};
        if (typeof auth === 'string' && /^[A-Za-z0-9+/=]*$/.test(auth)) kept.auth = auth;
        if (typeof identitytoken === 'string' && /^[\x21-\x7e]*$/.test(identitytoken))
          kept.identitytoken = identitytoken;
        if (kept.auth || kept.identitytoken) auths[registry] = kept;
      }
    }
  } catch {
    auths = {};
  }
  return `${JSON.stringify({ auths })}\n`;
}

/**
 * The config dir of a CLI run as root that needs no credentials (exec, ps, inspect, rm, kill):
 * a path nobody but root can create (`/` is root's), which normally does not exist, so that the
 * CLI reads no config, context, plugin or proxy at all.
 */
export const EMPTY_CONFIG_DIR = '/nonexistent';

/** Throws unless EMPTY_CONFIG_DIR is absent or a directory only root may write. */
export function checkEmptyConfigDir(dir = EMPTY_CONFIG_DIR): string {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return dir;
  }
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new Error(`${dir} exists and is not a directory only root may write: the docker CLI would read it`);
  return dir;
}

/**
 * A private 0700 DOCKER_CONFIG dir inside PRIVATEDIR for a CLI run as root for a user, holding
 * only the user's registry credentials (their config.json read with their own rights by
 * READUSERFILE), never their credsStore, credHelpers, contexts, plugins or proxies.
 */
export function privateDockerConfig(
  privateDir: string,
  home: string,
  readUserFile: (path: string) => string,
): string {
  const dir = `${privateDir}/docker`;
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  let text: string | undefined;
  try {
    text = readUserFile(`${home}/.docker/config.json`);
  } catch {
    text = undefined;
  }
  writeFileSync(`${dir}/config.json`, authsOnly(text), { flag: 'wx', mode: 0o600 });
  return dir;
}

/**
 * The DOCKER_CONFIG dir for the CLI. Running as the user: their own ~/.docker. Running as root
 * for a user (sudo): a private copy of their registry credentials (privateDockerConfig).
 */
export function dockerConfigFor(
  home: string,
  actingAsRoot: boolean,
  privateDir: string,
  readUserFile: (path: string) => string,
): string {
  return actingAsRoot ? privateDockerConfig(privateDir, home, readUserFile) : `${home}/.docker`;
}
