import { DEFAULT_REGISTRY, type ImageRef } from '../../kernel/grammar/image.js';

/** Where one image lives in the Docker Registry HTTP API v2. */
export interface RegistryTarget {
  /** The registry as the image reference names it (docker.io for Docker Hub). */
  registry: string;
  /** The API's base URL, e.g. https://registry-1.docker.io or http://127.0.0.1:5000. */
  apiBase: string;
  /** The repository path, e.g. library/busybox. */
  repository: string;
  /** The tag or digest asked for (the digest when the reference has both, as docker does). */
  reference: string;
  /** The tag the reference names, if any (for messages). */
  tag?: string;
  digest?: string;
}

/** Docker Hub's API host: docker.io is only its name in references and configs. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/** A registry reached over plain HTTP: loopback ones (as docker treats them) and those the admin lists. */
export function isInsecure(registry: string, insecure: readonly string[]): boolean {
  return LOOPBACK.test(registry) || insecure.includes(registry);
}

/** The API endpoint of REF. Pure. */
export function registryTarget(ref: ImageRef, insecure: readonly string[] = []): RegistryTarget {
  const host = ref.registry === DEFAULT_REGISTRY ? DOCKER_HUB_API : ref.registry;
  const scheme = isInsecure(ref.registry, insecure) ? 'http' : 'https';
  return {
    registry: ref.registry,
    apiBase: `${scheme}://${host}`,
    repository: ref.path,
    reference: ref.digest ?? ref.tag ?? 'latest',
    tag: ref.tag,
    digest: ref.digest,
  };
}

/** The manifest URL of TARGET for REFERENCE (a tag or a digest). */
export function manifestUrl(target: RegistryTarget, reference = target.reference): string {
  return `${target.apiBase}/v2/${target.repository}/manifests/${reference}`;
}

export function blobUrl(target: RegistryTarget, digest: string): string {
  return `${target.apiBase}/v2/${target.repository}/blobs/${digest}`;
}

/** The registry host a docker config `auths` key names ("https://index.docker.io/v1/" -> docker.io). */
export function authKeyRegistry(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  return ['index.docker.io', DOCKER_HUB_API, 'docker.io'].includes(host) ? DEFAULT_REGISTRY : host;
}
