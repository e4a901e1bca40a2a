import { readFileSync, realpathSync, statSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { configError } from '../kernel/errors.js';
import { addProfile, profileSectionName } from './profiles/parse.js';
import {
  ALIAS_SECTION,
  type Config,
  ConfigValueError,
  defaultConfig,
  KEYS,
  validateAlias,
} from './schema.js';

export const SUDO_CONFIG_DIR = '/etc/lsf-docker';
export const DEFAULT_CONFIG_PATH = `${SUDO_CONFIG_DIR}/lsf-docker.conf`;

/** Who runs the program, as far as trusting a config file is concerned. */
export interface ConfigReader {
  euid: number;
}

/**
 * Refuses a config file others could have written: writable by group or world, or owned by a
 * user other than root (or, for a program not running as root, other than root or its own user).
 */
export function checkConfigOwnership(
  path: string,
  mode: number,
  ownerUid: number,
  reader: ConfigReader,
): void {
  if ((mode & 0o022) !== 0) {
    throw configError(
      path,
      `is writable by ${mode & 0o002 ? 'everyone' : 'its group'} (mode ${(mode & 0o777).toString(8)}): refusing to trust it`,
    );
  }
  if (ownerUid !== 0 && (reader.euid === 0 || ownerUid !== reader.euid)) {
    throw configError(path, `is owned by uid ${ownerUid}, not root: refusing to trust it`);
  }
}

/** Turns parsed ini sections into a typed Config; every unknown section or key is an error naming it. */
export function configFromIni(sections: Record<string, unknown>, source: string): Config {
  const config = defaultConfig();
  for (const [section, body] of Object.entries(sections)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      // The line itself is not shown: the file may not be a config at all (e.g. --config /etc/shadow).
      throw configError(source, 'has a key=value line outside any [section]: not an lsf-docker config');
    }
    if (profileSectionName(section) !== undefined) {
      addProfile(config.profiles, section, body as Record<string, unknown>, source);
      continue;
    }
    if (!KEYS.some((k) => k.section === section) && section !== ALIAS_SECTION) {
      throw configError(
        source,
        `section [${section.slice(0, 40)}] is not a known section (see templates/lsf-docker.conf)`,
      );
    }
    for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
      const name = `[${section}] ${key}`;
      try {
        if (section === ALIAS_SECTION) {
          config.images.aliases[key] = validateAlias(key, raw);
          continue;
        }
        const keyDef = KEYS.find((k) => k.section === section && k.key === key);
        if (!keyDef)
          throw configError(`${source}: ${name}`, 'is not a known key (see templates/lsf-docker.conf)');
        keyDef.assign(config, keyDef.parse(raw, name) as never);
      } catch (err) {
        if (err instanceof ConfigValueError) throw configError(`${source}: ${name}`, err.message);
        throw err;
      }
    }
  }
  return config;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when built-in defaults are used. */
  path: string | undefined;
}

/**
 * Loads the admin config. An explicit path (--config) must exist; the default path may be absent,
 * which means built-in defaults. The path never comes from the job's environment.
 */
export function loadConfig(explicitPath: string | undefined, reader: ConfigReader): LoadedConfig {
  const path = explicitPath ?? DEFAULT_CONFIG_PATH;
  // Run by sudo for a user, --config is the user's word: only the admin's own config dir may be read.
  if (explicitPath !== undefined && reader.euid === 0 && process.env.SUDO_UID !== undefined) {
    const real = (() => {
      try {
        return realpathSync(explicitPath);
      } catch {
        return explicitPath;
      }
    })();
    if (!real.startsWith(`${SUDO_CONFIG_DIR}/`)) {
      throw configError('--config', `run through sudo, only files in ${SUDO_CONFIG_DIR}/ are read`);
    }
  }
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw configError(path, 'is not a regular file');
    checkConfigOwnership(path, stat.mode, stat.uid, reader);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitPath === undefined) return { config: defaultConfig(), path: undefined };
    if (code === 'ENOENT') throw configError(path, 'does not exist');
    if (code === 'EACCES') throw configError(path, 'cannot be read (permission denied)');
    throw err;
  }
  return { config: configFromIni(parseIni(text), path), path };
}
