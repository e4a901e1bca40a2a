/** A registry's credentials as docker keeps them in config.json's "auths". */
export type AuthEntries = Record<string, Record<string, unknown>>;

function authsOf(text: string | undefined): AuthEntries {
  try {
    const parsed = JSON.parse(text ?? '{}') as { auths?: unknown };
    return parsed.auths && typeof parsed.auths === 'object' && !Array.isArray(parsed.auths)
      ? (parsed.auths as AuthEntries)
      : {};
  } catch {
    return {};
  }
}

/** The host[:port] an "auths" key names (docker keeps Docker Hub as https://index.docker.io/v1/). Pure. */
const hostOf = (key: string) => key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');

/** Whether the "auths" of TEXT hold an entry for SERVER (host[:port], or docker.io). Pure. */
export function holdsServer(text: string | undefined, server: string): boolean {
  const want = hostOf(server) === 'docker.io' ? 'index.docker.io' : hostOf(server);
  return Object.keys(authsOf(text)).some((k) => {
    const host = hostOf(k);
    return host === want || (want === 'index.docker.io' && host === 'docker.io');
  });
}

/** The "auths" entries that `docker login` added or changed: AFTER's entries that differ from BEFORE's. */
export function changedAuths(before: string | undefined, after: string | undefined): AuthEntries {
  const old = authsOf(before);
  const out: AuthEntries = {};
  for (const [registry, entry] of Object.entries(authsOf(after))) {
    if (JSON.stringify(old[registry]) !== JSON.stringify(entry)) out[registry] = entry;
  }
  return out;
}

export type MergeResult = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The user's config.json with ENTRIES set in its "auths": every other key and registry is kept.
 * A file that is not a JSON object is left alone (the user's, not ours to repair).
 */
export function mergeAuths(userText: string | undefined, entries: AuthEntries): MergeResult {
  let config: Record<string, unknown> = {};
  if (userText !== undefined && userText.trim() !== '') {
    try {
      config = JSON.parse(userText) as Record<string, unknown>;
    } catch {
      return { ok: false, reason: 'is not valid JSON: it was left alone' };
    }
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      return { ok: false, reason: 'is not a JSON object: it was left alone' };
    }
  }
  const auths = config.auths;
  if (auths !== undefined && (typeof auths !== 'object' || auths === null || Array.isArray(auths))) {
    return { ok: false, reason: '"auths" is not an object: it was left alone' };
  }
  const merged = { ...config, auths: { ...((auths as AuthEntries | undefined) ?? {}), ...entries } };
  return { ok: true, text: `${JSON.stringify(merged, null, '\t')}\n` };
}
