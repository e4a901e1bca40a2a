/**
 * The docker daemon, test images and local registry, as root.
 *
 *   await docker(['image', 'inspect', IMAGES.busybox])   -> { exitCode, stdout, stderr }
 *   await containersWithLabel('lsf-docker.job=42')       -> ['3f2a...', ...]
 *   REGISTRY.address / REGISTRY.user / REGISTRY.password / REGISTRY.busybox
 *
 * Images and registry come from scripts/provision.sh; keep the names in sync with scripts/lib/common.sh.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { FIXTURES } from './paths.js';
import { DEFAULT_PATH } from './run-as.js';

/** The docker client the helpers use (`docker` on PATH; override with LSFD_ITG_DOCKER). */
export const DOCKER_BIN: string = process.env['LSFD_ITG_DOCKER'] ?? 'docker';

/** The local test images. */
export const IMAGES = {
  /** busybox-static, applets in /bin, /etc/passwd with root and nobody, CMD /bin/sh. */
  busybox: 'lsf-docker-test/busybox:latest',
  /** Debian bookworm minbase (has bash), CMD /bin/bash. */
  debian: 'lsf-docker-test/debian:bookworm',
  /** No /bin/sh: only /busybox (use `/busybox id`), /etc/passwd, /etc/group, /tmp. */
  nosh: 'lsf-docker-test/nosh:latest',
} as const;

function readCredentials(): { user: string; password: string } {
  const file = path.join(FIXTURES, 'registry', 'credentials');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  const at = line?.indexOf(':') ?? -1;
  if (!line || at <= 0)
    throw new Error(`bad registry credentials fixture ${file}: want one line user:password`);
  return { user: line.slice(0, at), password: line.slice(at + 1) };
}

const credentials = readCredentials();

/** The local registry (docker-registry with htpasswd auth, started by scripts/provision.sh). */
export const REGISTRY = {
  address: '127.0.0.1:5000',
  url: 'http://127.0.0.1:5000',
  user: credentials.user,
  password: credentials.password,
  /** Pushed by provisioning (the busybox image); the local daemon does not keep this tag. */
  busybox: '127.0.0.1:5000/lsfd/busybox:latest',
} as const;

export interface DockerResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface DockerOptions {
  /** Extra environment (e.g. DOCKER_CONFIG). The base is PATH and HOME=/root only. */
  env?: Record<string, string>;
  input?: string;
  /** Milliseconds; default 120000. */
  timeout?: number;
}

/** Run `docker ARGS` as root. Never throws on a non-zero exit. stdout/stderr without the final newline. */
export async function docker(args: readonly string[], opts: DockerOptions = {}): Promise<DockerResult> {
  const r = await execa(DOCKER_BIN, [...args], {
    env: { PATH: DEFAULT_PATH, HOME: '/root', ...opts.env },
    extendEnv: false,
    input: opts.input ?? '',
    timeout: opts.timeout ?? 120_000,
    reject: false,
    encoding: 'utf8',
  });
  return { exitCode: r.exitCode, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Like docker() but throws with stderr when the exit code is not 0; returns stdout. */
export async function dockerOk(args: readonly string[], opts: DockerOptions = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** Ids of all containers (running or not) carrying a label, `KEY` or `KEY=VALUE`. */
export async function containersWithLabel(label: string): Promise<string[]> {
  const out = await dockerOk(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${label}`]);
  return out.split('\n').filter((l) => l !== '');
}

/** Force-remove all containers carrying a label (test cleanup). Returns how many. */
export async function removeContainersWithLabel(label: string): Promise<number> {
  const ids = await containersWithLabel(label);
  if (ids.length > 0) await docker(['rm', '-f', ...ids]);
  return ids.length;
}

/** True when a local image (name:tag or id) exists. */
export async function imageExists(ref: string): Promise<boolean> {
  return (await docker(['image', 'inspect', ref])).exitCode === 0;
}

/**
 * A fresh empty DOCKER_CONFIG dir (0700, root-owned unless chowned), so root's ~/.docker is never
 * touched. With login: true, `docker login --password-stdin` into the test registry first.
 * Remove it with rm(dir, { recursive: true, force: true }) or removeDockerConfig(dir).
 */
export async function makeDockerConfig(opts: { login?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lsfd-docker-config-'));
  if (opts.login) {
    const r = await docker(['login', '--username', REGISTRY.user, '--password-stdin', REGISTRY.address], {
      env: { DOCKER_CONFIG: dir },
      input: REGISTRY.password,
    });
    if (r.exitCode !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`docker login ${REGISTRY.address} failed: ${r.stderr}`);
    }
  }
  return dir;
}

export async function removeDockerConfig(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** fetch() against the registry API (path like '/v2/_catalog'), authenticated unless auth: false. */
export async function registryFetch(
  apiPath: string,
  init: RequestInit & { auth?: boolean } = {},
): Promise<Response> {
  const { auth = true, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('Accept')) headers.set('Accept', MANIFEST_ACCEPT);
  if (auth) {
    const token = Buffer.from(`${REGISTRY.user}:${REGISTRY.password}`).toString('base64');
    headers.set('Authorization', `Basic ${token}`);
  }
  return fetch(`${REGISTRY.url}${apiPath}`, { ...rest, headers, signal: AbortSignal.timeout(10_000) });
}

/** Tags of a registry repository (e.g. 'lsfd/busybox'); [] when the repository is unknown. */
export async function registryTags(repo: string): Promise<string[]> {
  const res = await registryFetch(`/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`registry tags/list ${repo}: HTTP ${res.status}`);
  const body = (await res.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/**
 * Delete a tag's manifest from the registry (delete is enabled). Every tag of that repository
 * pointing at the same manifest goes with it. Returns false when the tag did not exist.
 */
export async function registryDeleteTag(repo: string, tag: string): Promise<boolean> {
  const head = await registryFetch(`/v2/${repo}/manifests/${tag}`, { method: 'HEAD' });
  if (head.status === 404) return false;
  const digest = head.headers.get('docker-content-digest');
  if (!head.ok || !digest) throw new Error(`registry HEAD ${repo}:${tag}: HTTP ${head.status}`);
  const del = await registryFetch(`/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
  if (del.status !== 202 && del.status !== 404)
    throw new Error(`registry DELETE ${repo}@${digest}: HTTP ${del.status}`);
  return true;
}
