/** Manifests of the Registry API v2: what a tag points to, as pure parsing. */

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** The Accept header of a manifest request: lists and indexes first, so that a tag answers what it really is. */
export const MANIFEST_ACCEPT = [
  MEDIA.ociIndex,
  MEDIA.dockerList,
  MEDIA.ociManifest,
  MEDIA.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry {
  digest: string;
  mediaType?: string;
  platform?: Platform;
}

export interface Descriptor {
  digest: string;
  size: number;
  mediaType?: string;
}

export type Manifest =
  | { kind: 'index'; mediaType: string; manifests: IndexEntry[] }
  | { kind: 'image'; mediaType: string; config: Descriptor | undefined; layers: Descriptor[] }
  | { kind: 'unknown'; mediaType: string };

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

function descriptor(d: unknown): Descriptor | undefined {
  if (!d || typeof d !== 'object') return undefined;
  const { digest, size, mediaType } = d as Record<string, unknown>;
  if (typeof digest !== 'string' || !DIGEST.test(digest)) return undefined;
  return {
    digest,
    size: typeof size === 'number' && size >= 0 ? size : 0,
    mediaType: typeof mediaType === 'string' ? mediaType : undefined,
  };
}

function platformOf(p: unknown): Platform | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const { os, architecture, variant } = p as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return { os, architecture, variant: typeof variant === 'string' ? variant : undefined };
}

/** Parses a manifest body; the media type from the body wins over the Content-Type header. Pure. */
export function parseManifest(body: string, contentType: string | null | undefined): Manifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { kind: 'unknown', mediaType: contentType ?? '' };
  }
  const mediaType =
    typeof json?.mediaType === 'string' ? json.mediaType : (contentType?.split(';')[0]?.trim() ?? '');
  if (Array.isArray(json?.manifests)) {
    const manifests = json.manifests.flatMap((m) => {
      const d = descriptor(m);
      return d ? [{ digest: d.digest, mediaType: d.mediaType, platform: platformOf(m.platform) }] : [];
    });
    return { kind: 'index', mediaType, manifests };
  }
  if (Array.isArray(json?.layers) || json?.config) {
    const layers = (Array.isArray(json.layers) ? json.layers : []).flatMap((l) => descriptor(l) ?? []);
    return { kind: 'image', mediaType, config: descriptor(json.config), layers };
  }
  return { kind: 'unknown', mediaType };
}

/** "linux/amd64" -> a Platform. Pure. */
export function parsePlatform(text: string): Platform {
  const [os = 'linux', architecture = 'amd64', variant] = text.split('/');
  return { os, architecture, variant };
}

export const formatPlatform = (p: Platform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;

/** The default variant of an architecture (arm64 is v8), as containerd's platform matcher assumes. */
const defaultVariant = (arch: string) => (arch === 'arm64' ? 'v8' : undefined);

/** Whether an image for HAVE runs on WANT: same os and architecture, and the variant when WANT names one. Pure. */
export function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  return (have.variant ?? defaultVariant(have.architecture)) === want.variant;
}

/** The entry of an index for WANT (attestation entries, platform unknown/unknown, never match). Pure. */
export function selectPlatform(manifests: IndexEntry[], want: Platform): IndexEntry | undefined {
  return manifests.find((m) => m.platform !== undefined && platformMatches(m.platform, want));
}

/** The platforms an index offers, for a message (without unknown/unknown attestation entries). Pure. */
export function offeredPlatforms(manifests: IndexEntry[]): string[] {
  return [
    ...new Set(
      manifests.flatMap((m) =>
        m.platform && m.platform.os !== 'unknown' ? [formatPlatform(m.platform)] : [],
      ),
    ),
  ];
}
