import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';

/**
 * Where a user's dispatcher takes bsubs (lib/local/submit-server.ts) and where the compiled bsub
 * (scripts/submit-client.c, which computes the same) finds it: HOME/.lsf-docker/submit-KEY.sock,
 * KEY the FNV-1a-64 of the config's real path, so that a dispatcher serves only the bsubs of its
 * own config file. The home is the user database's, as for the user dir.
 */

/** FNV-1a, 64 bits, of TEXT's UTF-8 bytes, as 16 hex digits. Pure. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** The socket's path for the config key KEY and the user's HOME. Pure. */
export const submitSocketPath = (home: string, key: string) =>
  join(home, '.lsf-docker', `submit-${fnv1a64(key)}.sock`);

/** The longest path a unix socket address holds (sun_path less its NUL). */
export const SOCKET_PATH_MAX = 107;

/** The key of the config at CONFIGPATH (undefined: the default one): its real path when it resolves. */
export function configKey(configPath: string | undefined): string {
  const path = configPath === undefined ? DEFAULT_CONFIG_PATH : resolve(configPath);
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
