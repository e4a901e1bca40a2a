/** One WWW-Authenticate challenge of a registry: Basic, or Bearer with its token service. */
export type Challenge =
  | { scheme: 'basic'; realm?: string }
  | { scheme: 'bearer'; realm: string; service?: string; scope?: string }
  | { scheme: 'unknown'; raw: string };

/** Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."`. Pure. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic', realm: params.realm };
  if (scheme === 'bearer' && params.realm && /^https?:\/\//.test(params.realm)) {
    return { scheme: 'bearer', realm: params.realm, service: params.service, scope: params.scope };
  }
  return { scheme: 'unknown', raw: header.slice(0, 80) };
}

/** The token endpoint URL of a Bearer challenge for pulling REPOSITORY. Pure. */
export function tokenUrl(challenge: Extract<Challenge, { scheme: 'bearer' }>, repository: string): string {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
  return url.toString();
}
