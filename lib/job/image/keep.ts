import { parseImageRef } from '../../kernel/grammar/image.js';
import type { ImageInfo } from '../../runtime/types.js';

/**
 * [images] keep[]: what the GC never removes. An entry is
 *  - an image id or a prefix of one (sha256:1a2b...);
 *  - a reference with a tag or digest (busybox:1.36, 127.0.0.1:5000/lsfd/busybox@sha256:...): exactly that;
 *  - a repository (busybox, 127.0.0.1:5000/lsfd/busybox): every tag and digest of it;
 *  - a prefix ending in "/" (lsf-docker-test/, 127.0.0.1:5000/lsfd/): every repository under it.
 * Names are compared canonically (busybox is docker.io/library/busybox).
 */
type Rule =
  | { kind: 'id'; prefix: string }
  | { kind: 'exact'; ref: string }
  | { kind: 'prefix'; prefix: string };

const looksLikeDomain = (part: string) => part.includes('.') || part.includes(':') || part === 'localhost';

/** A repository or namespace prefix in canonical form. Pure. */
export function canonicalPrefix(entry: string): string {
  const parts = entry.split('/');
  if (parts.length > 1 && looksLikeDomain(parts[0]!)) return entry;
  if (entry === 'docker.io' || entry.startsWith('docker.io/')) return entry;
  return parts.length === 1 ? `docker.io/library/${entry}` : `docker.io/${entry}`;
}

export function keepRule(entry: string): Rule {
  if (/^sha256:[0-9a-f]+$/.test(entry)) return { kind: 'id', prefix: entry };
  const tail = entry.slice(entry.lastIndexOf('/') + 1);
  const parsed = parseImageRef(entry);
  if (parsed.ok && (tail.includes(':') || entry.includes('@')))
    return { kind: 'exact', ref: parsed.ref.canonical };
  return { kind: 'prefix', prefix: canonicalPrefix(entry) };
}

/** The canonical references of an image (its tags and digests). Pure. */
export function imageRefs(image: ImageInfo): string[] {
  return [...image.repoTags, ...image.repoDigests].map((r) => {
    const parsed = parseImageRef(r);
    return parsed.ok ? parsed.ref.canonical : r;
  });
}

function ruleMatches(rule: Rule, image: ImageInfo, refs: string[]): boolean {
  if (rule.kind === 'id') return image.id.startsWith(rule.prefix);
  if (rule.kind === 'exact') return refs.includes(rule.ref);
  const p = rule.prefix;
  return refs.some(
    (r) => r.startsWith(p) && (p.endsWith('/') || r.length === p.length || ':@/'.includes(r[p.length]!)),
  );
}

/** The keep[] entry that keeps IMAGE, or undefined. Pure. */
export function keptBy(entries: readonly string[], image: ImageInfo): string | undefined {
  const refs = imageRefs(image);
  return entries.find((entry) => ruleMatches(keepRule(entry), image, refs));
}
