/**
 * An in-memory Docker Registry API v2 behind a fetch function: repositories of tagged manifests
 * (plain or lists) with config blobs, Basic or Bearer auth (a token service at /token), and a
 * log of every request (method, path, user agent) to count what a client asked.
 */
import { createHash } from 'node:crypto';

export interface FakeImage {
  os?: string;
  architecture?: string;
  user?: string;
  entrypoint?: string[] | null;
  layers?: number[];
}

export interface FakeRegistryOptions {
  auth?: 'none' | 'basic' | 'bearer';
  users?: Record<string, string>;
  /** Every request fails at the network level with this cause code. */
  down?: string;
  status?: number;
}

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export class FakeRegistry {
  readonly log: Array<{ method: string; path: string; agent: string }> = [];
  private readonly blobs = new Map<string, string>();
  private readonly manifests = new Map<string, { body: string; type: string }>();
  private readonly tags = new Map<string, string>();
  private readonly repos = new Set<string>();
  readonly base = 'https://reg.example.org';

  constructor(readonly opts: FakeRegistryOptions = {}) {}

  /** Pushes an image manifest for REPO:TAG; returns its digest. */
  push(repo: string, tag: string, image: FakeImage = {}): string {
    const config = JSON.stringify({
      os: image.os ?? 'linux',
      architecture: image.architecture ?? 'amd64',
      config: { User: image.user ?? '', Entrypoint: image.entrypoint ?? null, Cmd: ['/bin/sh'] },
    });
    this.blobs.set(sha(config), config);
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { digest: sha(config), size: config.length },
      layers: (image.layers ?? [100]).map((size, i) => ({ digest: sha(`${repo}${tag}${i}${size}`), size })),
    });
    return this.put(repo, tag, body, 'application/vnd.docker.distribution.manifest.v2+json');
  }

  /** Pushes a manifest list of PLATFORMS (os/arch) for REPO:TAG; returns the list's digest. */
  pushList(repo: string, tag: string, platforms: string[]): string {
    const manifests = platforms.map((p) => {
      const [os, architecture, variant] = p.split('/');
      const digest = this.push(repo, `${tag}-${p.replace(/\//g, '-')}`, { os, architecture });
      return {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: 1,
        platform: { os, architecture, variant },
      };
    });
    manifests.push({
      mediaType: 'x',
      digest: sha('att'),
      size: 1,
      platform: { os: 'unknown', architecture: 'unknown', variant: undefined },
    });
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests,
    });
    return this.put(repo, tag, body, 'application/vnd.oci.image.index.v1+json');
  }

  private put(repo: string, tag: string, body: string, type: string): string {
    const digest = sha(body);
    this.repos.add(repo);
    this.manifests.set(digest, { body, type });
    this.tags.set(`${repo}:${tag}`, digest);
    return digest;
  }

  private authorized(headers: Headers): boolean {
    const mode = this.opts.auth ?? 'none';
    const auth = headers.get('authorization') ?? '';
    if (mode === 'none') return true;
    if (mode === 'bearer') return auth === 'Bearer good-token';
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':');
    return auth.startsWith('Basic ') && user !== undefined && this.opts.users?.[user] === pass;
  }

  private token(headers: Headers): Response {
    const auth = headers.get('authorization');
    if (!auth) return Response.json({ token: 'anonymous-token' });
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':');
    return user && this.opts.users?.[user] === pass
      ? Response.json({ token: 'good-token' })
      : new Response('', { status: 401 });
  }

  private challenge(): Response {
    const header =
      this.opts.auth === 'bearer'
        ? `Bearer realm="${this.base}/token",service="reg",scope="repository:x:pull"`
        : 'Basic realm="fake"';
    return new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', {
      status: 401,
      headers: { 'WWW-Authenticate': header },
    });
  }

  private notFound(code: string): Response {
    return new Response(JSON.stringify({ errors: [{ code }] }), { status: 404 });
  }

  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    const path = new URL(url).pathname;
    this.log.push({ method: init.method ?? 'GET', path, agent: headers.get('user-agent') ?? '' });
    if (this.opts.down)
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: this.opts.down } });
    if (this.opts.status) return new Response('', { status: this.opts.status });
    if (path === '/token') return this.token(headers);
    if (!this.authorized(headers)) return this.challenge();
    const list = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (list) return this.repos.has(list[1]!) ? Response.json({ tags: [] }) : this.notFound('NAME_UNKNOWN');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return this.notFound('UNSUPPORTED');
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    // As distribution 2.8: an unknown repository's manifest is MANIFEST_UNKNOWN too.
    if (!this.repos.has(repo)) return this.notFound(kind === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN');
    if (kind === 'blobs') {
      const blob = this.blobs.get(ref);
      return blob ? new Response(blob) : this.notFound('BLOB_UNKNOWN');
    }
    const digest = ref.startsWith('sha256:') ? ref : this.tags.get(`${repo}:${ref}`);
    const manifest = digest ? this.manifests.get(digest) : undefined;
    if (!manifest || !digest) return this.notFound('MANIFEST_UNKNOWN');
    return new Response(manifest.body, {
      headers: { 'Content-Type': manifest.type, 'Docker-Content-Digest': digest },
    });
  };
}
