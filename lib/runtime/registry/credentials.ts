import { authKeyRegistry } from './target.js';

/** What a user's docker config holds for one registry. */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identity-token'; token: string; username?: string }
  /** Kept by a credential helper (credsStore, credHelpers): the wrapper never runs one. */
  | { kind: 'helper'; helper: string };

interface AuthEntry {
  auth?: unknown;
  identitytoken?: unknown;
}

function fromEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry.identitytoken === 'string' && /^[\x21-\x7e]+$/.test(entry.identitytoken)) {
    return { kind: 'identity-token', token: entry.identitytoken };
  }
  if (typeof entry.auth !== 'string' || !/^[A-Za-z0-9+/=]+$/.test(entry.auth)) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The credentials for REGISTRY in the text of a docker config.json: an `auths` entry (its key
 * compared by host, as docker does: "https://index.docker.io/v1/" is docker.io), else the name
 * of the credential helper that keeps them, else none. Never throws; a broken file is no
 * credentials. Pure.
 */
export function credentialsFor(configText: string | undefined, registry: string): Credentials {
  let parsed: { auths?: unknown; credsStore?: unknown; credHelpers?: unknown };
  try {
    parsed = JSON.parse(configText ?? '{}') ?? {};
  } catch {
    return { kind: 'none' };
  }
  if (parsed.auths && typeof parsed.auths === 'object') {
    for (const [key, entry] of Object.entries(parsed.auths as Record<string, unknown>)) {
      if (authKeyRegistry(key) !== registry || !entry || typeof entry !== 'object') continue;
      const found = fromEntry(entry as AuthEntry);
      if (found) return found;
    }
  }
  const helpers = parsed.credHelpers as Record<string, unknown> | undefined;
  const helper = helpers && typeof helpers === 'object' ? helpers[registry] : undefined;
  if (typeof helper === 'string') return { kind: 'helper', helper };
  if (typeof parsed.credsStore === 'string') return { kind: 'helper', helper: parsed.credsStore };
  return { kind: 'none' };
}
