/**
 * Content digests of images (what a registry's Docker-Content-Digest names) and the pinned
 * reference a digest makes of a name: `registry/path:tag` + `sha256:HEX` -> `registry/path@sha256:HEX`.
 */

/** The digests a pinned job may carry: sha256 only (what registries and docker compute). */
const SHA256 = /^sha256:[0-9a-f]{64}$/;

export type DigestParse = { ok: true; digest: string } | { ok: false; reason: string };

export function parseDigest(text: string): DigestParse {
  return SHA256.test(text)
    ? { ok: true, digest: text }
    : { ok: false, reason: `"${text.slice(0, 80)}" is not a digest (sha256: and 64 lower-case hex digits)` };
}

/** NAME (as written: [registry/]path[:tag][@digest]) without its tag and digest. Pure. */
export function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  const bare = at >= 0 ? name.slice(0, at) : name;
  const colon = bare.lastIndexOf(':');
  return colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare;
}

/** The reference that runs exactly DIGEST of NAME's repository. Pure. */
export function pinnedReference(name: string, digest: string): string {
  return `${repositoryOf(name)}@${digest}`;
}
