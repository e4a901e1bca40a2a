import { createHash } from 'node:crypto';
import type { HttpOutcome, RegistryClient } from './client.js';
import {
  formatPlatform,
  MANIFEST_ACCEPT,
  type Manifest,
  offeredPlatforms,
  type Platform,
  parseManifest,
  platformMatches,
  selectPlatform,
} from './manifest.js';
import { blobUrl, manifestUrl } from './target.js';

/** The parts of an image config blob the wrapper reads (what `docker image inspect` calls Config). */
export interface RemoteConfig {
  platform?: Platform;
  user: string;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

/** What a registry says about one image reference. */
export type Resolution =
  | {
      kind: 'found';
      /** The digest of what the reference names (an index or a manifest): what a pinned job runs. */
      digest: string;
      manifest: Manifest;
      /** The image manifest for the platform (the digest itself when it is not an index). */
      platformDigest: string;
      /** For an image manifest or with describe: its config and layers. */
      config?: RemoteConfig;
      layers?: number[];
    }
  | { kind: 'missing'; what: 'tag' | 'digest' | 'repository' }
  | { kind: 'no-platform'; wanted: string; offered: string[] }
  | { kind: 'needs-login' }
  | { kind: 'refused' }
  | { kind: 'unreachable'; detail: string };

type Failure = Exclude<Resolution, { kind: 'found' | 'no-platform' }>;

/** The registry's error code of a 404 (MANIFEST_UNKNOWN, NAME_UNKNOWN, ...). Pure. */
export function errorCode(body: string): string | undefined {
  try {
    const code = (JSON.parse(body) as { errors?: Array<{ code?: unknown }> }).errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function failure(outcome: Exclude<HttpOutcome, { kind: 'response' }>): Failure {
  return outcome.kind === 'refused' ? { kind: 'refused' } : outcome;
}

/** A config blob's JSON -> RemoteConfig. Pure. */
export function parseConfigBlob(text: string): RemoteConfig | undefined {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const c = (json.config ?? {}) as Record<string, unknown>;
    const words = (v: unknown) =>
      Array.isArray(v) && v.every((w) => typeof w === 'string') ? (v as string[]) : undefined;
    const platform =
      typeof json.os === 'string' && typeof json.architecture === 'string'
        ? {
            os: json.os,
            architecture: json.architecture,
            variant: typeof json.variant === 'string' ? json.variant : undefined,
          }
        : undefined;
    return {
      platform,
      user: typeof c.User === 'string' ? c.User : '',
      entrypoint: words(c.Entrypoint),
      cmd: words(c.Cmd),
    };
  } catch {
    return undefined;
  }
}

async function getManifest(client: RegistryClient, reference: string) {
  const outcome = await client.request(manifestUrl(client.target, reference), { accept: MANIFEST_ACCEPT });
  if (outcome.kind !== 'response') return failure(outcome);
  const body = await outcome.body();
  if (outcome.status === 404) {
    const code = errorCode(body.toString('utf8'));
    const isDigest = reference.includes(':');
    return {
      kind: 'missing' as const,
      what: code === 'NAME_UNKNOWN' ? 'repository' : isDigest ? 'digest' : 'tag',
    } as const;
  }
  if (outcome.status !== 200) return { kind: 'unreachable' as const, detail: `HTTP ${outcome.status}` };
  const digest =
    outcome.headers.get('docker-content-digest') ??
    `sha256:${createHash('sha256').update(body).digest('hex')}`;
  return {
    kind: 'manifest' as const,
    digest,
    manifest: parseManifest(body.toString('utf8'), outcome.headers.get('content-type')),
  };
}

async function getConfig(client: RegistryClient, manifest: Manifest): Promise<RemoteConfig | undefined> {
  if (manifest.kind !== 'image' || !manifest.config) return undefined;
  const outcome = await client.request(blobUrl(client.target, manifest.config.digest));
  if (outcome.kind !== 'response' || outcome.status !== 200) return undefined;
  return parseConfigBlob((await outcome.body()).toString('utf8'));
}

/**
 * A missing tag, or its whole repository? Registries answer MANIFEST_UNKNOWN for both (distribution
 * 2.8 does); the tags list of an unknown repository is NAME_UNKNOWN.
 */
async function missingWhat(client: RegistryClient): Promise<'tag' | 'repository'> {
  const outcome = await client.request(`${client.target.apiBase}/v2/${client.target.repository}/tags/list`);
  if (outcome.kind !== 'response' || outcome.status !== 404) return 'tag';
  return errorCode((await outcome.body()).toString('utf8')) === 'NAME_UNKNOWN' ? 'repository' : 'tag';
}

/**
 * Resolves the client's reference: the manifest (GET with the Accept of every manifest kind, so
 * the digest is the one docker would pull), the entry for PLATFORM of an index, and the config
 * of a plain manifest (its os/architecture). With DESCRIBE, an index's platform manifest and its
 * config are fetched too (for the doctor).
 */
export async function resolveImage(
  client: RegistryClient,
  platform: Platform,
  opts: { describe?: boolean } = {},
): Promise<Resolution> {
  const top = await getManifest(client, client.target.reference);
  if (top.kind === 'missing' && top.what === 'tag')
    return { kind: 'missing', what: await missingWhat(client) };
  if (top.kind !== 'manifest') return top;
  let image = top.manifest;
  let platformDigest = top.digest;
  if (top.manifest.kind === 'index') {
    const entry = selectPlatform(top.manifest.manifests, platform);
    if (!entry) {
      return {
        kind: 'no-platform',
        wanted: formatPlatform(platform),
        offered: offeredPlatforms(top.manifest.manifests),
      };
    }
    platformDigest = entry.digest;
    if (!opts.describe) return { kind: 'found', digest: top.digest, manifest: top.manifest, platformDigest };
    const inner = await getManifest(client, entry.digest);
    if (inner.kind !== 'manifest')
      return { kind: 'found', digest: top.digest, manifest: top.manifest, platformDigest };
    image = inner.manifest;
  }
  const config = await getConfig(client, image);
  if (config?.platform && !platformMatches(config.platform, platform)) {
    return {
      kind: 'no-platform',
      wanted: formatPlatform(platform),
      offered: [formatPlatform(config.platform)],
    };
  }
  const layers = image.kind === 'image' ? image.layers.map((l) => l.size) : undefined;
  return { kind: 'found', digest: top.digest, manifest: top.manifest, platformDigest, config, layers };
}
