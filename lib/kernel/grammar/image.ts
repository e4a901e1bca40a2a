/**
 * Image references, after the grammar of distribution/reference (what `docker pull` accepts):
 *   [DOMAIN[:PORT]/]PATH[:TAG][@ALGO:HEX]
 * Parsing is strict and normalising: `busybox` becomes `docker.io/library/busybox:latest`.
 */
export interface ImageRef {
  /** Registry host[:port]; docker.io when none was given. */
  registry: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
  /** The fully qualified name: registry/path[:tag][@digest] (tag latest added when neither is given). */
  canonical: string;
  /** What docker is handed: the reference as the user wrote it, minus nothing (docker resolves it the same way). */
  original: string;
}

export const DEFAULT_REGISTRY = 'docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const MAX_NAME = 255;

export type ImageParse = { ok: true; ref: ImageRef } | { ok: false; reason: string };

function validDomain(domain: string): boolean {
  const bracketed = /^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/;
  if (bracketed.test(domain)) return true;
  const [host, port, ...rest] = domain.split(':');
  if (rest.length > 0 || host === undefined || host === '') return false;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  return host.split('.').every((part) => DOMAIN_COMPONENT.test(part));
}

/** Parses an image reference; never throws. */
export function parseImageRef(text: string): ImageParse {
  if (text === '') return { ok: false, reason: 'is empty' };
  if (text.startsWith('-')) return { ok: false, reason: 'must not start with "-"' };
  if (/[\s\x00-\x1f\x7f]/.test(text))
    return { ok: false, reason: 'must not contain white space or control characters' };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { ok: false, reason: `has a malformed digest "${digest}"` };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { ok: false, reason: `has a malformed tag "${tag}"` };
  }
  if (rest.length > MAX_NAME) return { ok: false, reason: `name is longer than ${MAX_NAME} characters` };
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  const first = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))
  ) {
    if (!validDomain(first)) return { ok: false, reason: `has a malformed registry "${first}"` };
    registry = first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((part) => !PATH_COMPONENT.test(part))) {
    return {
      ok: false,
      reason: 'has a malformed repository name (lower-case letters, digits and . _ - separators only)',
    };
  }
  let path = parts.join('/');
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && parts.length === 1) path = `library/${path}`;
  const canonical = `${registry}/${path}${tag ? `:${tag}` : digest ? '' : ':latest'}${digest ? `@${digest}` : ''}`;
  return {
    ok: true,
    ref: { registry, path, tag: tag ?? (digest ? undefined : 'latest'), digest, canonical, original: text },
  };
}

/** True when the registry of REF matches one of the allowed registry names (host or host:port). */
export function registryAllowed(ref: ImageRef, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return allowed.some(
    (name) => name === ref.registry || (name === 'docker.io' && ref.registry === DEFAULT_REGISTRY),
  );
}
