import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

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
 * The DOCKER_CONFIG dir for the CLI. Running as the user: their own ~/.docker. Running as root
 * for a user (sudo): a 0700 dir inside the job's private dir with only the user's registry
 * credentials (read with the user's rights by READ_USER_FILE).
 */
export function dockerConfigFor(
  home: string,
  actingAsRoot: boolean,
  privateDir: string,
  readUserFile: (path: string) => string,
): string {
  if (!actingAsRoot) return `${home}/.docker`;
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
