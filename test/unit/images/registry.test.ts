/** The registry client: endpoints, challenges, credentials, manifests and platforms, and resolving against a fake registry. */
import { describe, expect, test } from '@jest/globals';
import { parseImageRef } from '../../../lib/kernel/grammar/image.js';
import { parseChallenge, tokenUrl } from '../../../lib/runtime/registry/challenge.js';
import { credentialsFor } from '../../../lib/runtime/registry/credentials.js';
import {
  MANIFEST_ACCEPT,
  parseManifest,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from '../../../lib/runtime/registry/manifest.js';
import { openRegistry } from '../../../lib/runtime/registry/open.js';
import { resolveImage } from '../../../lib/runtime/registry/resolve.js';
import { authKeyRegistry, registryTarget } from '../../../lib/runtime/registry/target.js';
import { FakeRegistry } from './fake-registry.js';

const ref = (text: string) => {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
};
const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
const AMD64 = parsePlatform('linux/amd64');

describe('endpoints', () => {
  test.each([
    ['busybox', 'https://registry-1.docker.io', 'library/busybox', 'latest'],
    ['127.0.0.1:5000/lsfd/busybox:latest', 'http://127.0.0.1:5000', 'lsfd/busybox', 'latest'],
    ['localhost:5000/a/b:1', 'http://localhost:5000', 'a/b', '1'],
    [
      `reg.example.org/a/b:1@sha256:${'a'.repeat(64)}`,
      'https://reg.example.org',
      'a/b',
      `sha256:${'a'.repeat(64)}`,
    ],
  ])('%s', (text, base, repository, reference) => {
    expect(registryTarget(ref(text))).toMatchObject({ apiBase: base, repository, reference });
  });

  test('an insecure registry of the admin is plain HTTP', () => {
    expect(registryTarget(ref('lab.example.org:5000/x'), ['lab.example.org:5000']).apiBase).toBe(
      'http://lab.example.org:5000',
    );
  });

  test.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://reg.example.org/v2/', 'reg.example.org'],
  ])('auths key %s is %s', (key, registry) => {
    expect(authKeyRegistry(key)).toBe(registry);
  });
});

describe('challenges', () => {
  test('Bearer with realm, service and scope; the token URL', () => {
    const c = parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    );
    expect(c).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/busybox:pull',
    });
    expect(tokenUrl(c as never, 'library/busybox')).toBe(
      'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull',
    );
  });

  test.each([
    ['Basic realm="lsf-docker-test"', { scheme: 'basic', realm: 'lsf-docker-test' }],
    ['Bearer realm="file:///etc/passwd"', { scheme: 'unknown' }],
    ['Negotiate', { scheme: 'unknown' }],
  ])('%s', (header, want) => {
    expect(parseChallenge(header)).toMatchObject(want);
  });
});

describe('credentials from a docker config', () => {
  test.each([
    ['no file', undefined, 'reg', { kind: 'none' }],
    ['broken JSON', '{', 'reg', { kind: 'none' }],
    [
      'auth by host',
      JSON.stringify({ auths: { reg: { auth: auth('u', 'p:w') } } }),
      'reg',
      { kind: 'basic', username: 'u', password: 'p:w' },
    ],
    [
      'docker hub key',
      JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: auth('hub', 'x') } } }),
      'docker.io',
      { kind: 'basic', username: 'hub' },
    ],
    [
      'identity token',
      JSON.stringify({ auths: { reg: { identitytoken: 'tok' } } }),
      'reg',
      { kind: 'identity-token', token: 'tok' },
    ],
    [
      'another registry',
      JSON.stringify({ auths: { other: { auth: auth('u', 'p') } } }),
      'reg',
      { kind: 'none' },
    ],
    [
      'a helper for it',
      JSON.stringify({ credHelpers: { reg: 'ecr-login' } }),
      'reg',
      { kind: 'helper', helper: 'ecr-login' },
    ],
    [
      'a store',
      JSON.stringify({ auths: { reg: {} }, credsStore: 'pass' }),
      'reg',
      { kind: 'helper', helper: 'pass' },
    ],
  ])('%s', (_label, text, registry, want) => {
    expect(credentialsFor(text, registry)).toMatchObject(want);
  });
});

describe('manifests and platforms', () => {
  test('the Accept header asks for lists and indexes too', () => {
    expect(MANIFEST_ACCEPT).toContain('manifest.list.v2+json');
    expect(MANIFEST_ACCEPT).toContain('image.index.v1+json');
  });

  test('an index: its entries and their platforms', () => {
    const m = parseManifest(
      JSON.stringify({
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            digest: `sha256:${'1'.repeat(64)}`,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
          { digest: `sha256:${'2'.repeat(64)}`, platform: { os: 'linux', architecture: 'amd64' } },
          { digest: 'bad', platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
      null,
    );
    expect(m.kind).toBe('index');
    if (m.kind !== 'index') return;
    expect(m.manifests).toHaveLength(2);
    expect(selectPlatform(m.manifests, AMD64)?.digest).toBe(`sha256:${'2'.repeat(64)}`);
    expect(selectPlatform(m.manifests, parsePlatform('linux/arm64/v8'))?.digest).toBe(
      `sha256:${'1'.repeat(64)}`,
    );
    expect(selectPlatform(m.manifests, parsePlatform('linux/ppc64le'))).toBeUndefined();
  });

  test.each([
    ['linux/amd64', 'linux/amd64', true],
    ['linux/arm64', 'linux/arm64/v8', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['windows/amd64', 'linux/amd64', false],
    ['linux/arm64/v8', 'linux/arm64', true],
  ])('an image for %s runs on %s: %s', (have, want, ok) => {
    expect(platformMatches(parsePlatform(have), parsePlatform(want))).toBe(ok);
  });

  test('not JSON is an unknown manifest', () => {
    expect(parseManifest('<html>', 'text/html').kind).toBe('unknown');
  });
});

function client(reg: FakeRegistry, text: string, dockerConfig?: string) {
  const target = ref(text.replace(/^/, 'reg.example.org/'));
  return openRegistry(target, {
    insecure: [],
    dockerConfig,
    signal: AbortSignal.timeout(5000),
    fetch: reg.fetch,
  }).client;
}

describe('resolving against a registry', () => {
  test('a tag: its digest, and the config says linux/amd64 (one manifest GET, one blob GET)', async () => {
    const reg = new FakeRegistry();
    const digest = reg.push('lab/tool', '1', { user: 'app', entrypoint: ['/entry.sh'], layers: [10, 20] });
    const r = await resolveImage(client(reg, 'lab/tool:1'), AMD64);
    expect(r).toMatchObject({ kind: 'found', digest, platformDigest: digest, layers: [10, 20] });
    expect(r.kind === 'found' && r.config).toMatchObject({ user: 'app', entrypoint: ['/entry.sh'] });
    expect(reg.log.map((l) => `${l.method} ${l.path.split('/')[4]}`)).toEqual(['GET manifests', 'GET blobs']);
    expect(reg.log[0]!.agent).toMatch(/^lsf-docker\//);
  });

  test.each([
    ['a missing tag', 'lab/tool:2', { kind: 'missing', what: 'tag' }],
    ['a missing repository', 'lab/other:1', { kind: 'missing', what: 'repository' }],
    ['a missing digest', `lab/tool@sha256:${'f'.repeat(64)}`, { kind: 'missing', what: 'digest' }],
  ])('%s', async (_label, text, want) => {
    const reg = new FakeRegistry();
    reg.push('lab/tool', '1');
    expect(await resolveImage(client(reg, text), AMD64)).toMatchObject(want);
  });

  test('a list: the platform entry is found without fetching it; a missing platform is named', async () => {
    const reg = new FakeRegistry();
    const digest = reg.pushList('lab/multi', 'latest', ['linux/arm64', 'linux/amd64']);
    expect(await resolveImage(client(reg, 'lab/multi'), AMD64)).toMatchObject({ kind: 'found', digest });
    expect(reg.log).toHaveLength(1);
    const armOnly = new FakeRegistry();
    armOnly.pushList('lab/arm', 'latest', ['linux/arm64', 'linux/arm/v7']);
    expect(await resolveImage(client(armOnly, 'lab/arm'), AMD64)).toEqual({
      kind: 'no-platform',
      wanted: 'linux/amd64',
      offered: ['linux/arm64', 'linux/arm/v7'],
    });
  });

  test('a single manifest for another platform', async () => {
    const reg = new FakeRegistry();
    reg.push('lab/arm', '1', { architecture: 'arm64' });
    expect(await resolveImage(client(reg, 'lab/arm:1'), AMD64)).toMatchObject({
      kind: 'no-platform',
      offered: ['linux/arm64'],
    });
  });

  test('describe: a list entry is fetched with its config', async () => {
    const reg = new FakeRegistry();
    reg.pushList('lab/multi', 'latest', ['linux/amd64']);
    const r = await resolveImage(client(reg, 'lab/multi'), AMD64, { describe: true });
    expect(r).toMatchObject({
      kind: 'found',
      layers: [100],
      config: { platform: { architecture: 'amd64' } },
    });
  });

  describe('authentication', () => {
    const users = { alice: 'secret' };
    const config = (pass: string) =>
      JSON.stringify({ auths: { 'reg.example.org': { auth: auth('alice', pass) } } });

    test.each(['basic', 'bearer'] as const)('%s: the right credentials find it', async (mode) => {
      const reg = new FakeRegistry({ auth: mode, users });
      reg.push('lab/tool', '1');
      expect(await resolveImage(client(reg, 'lab/tool:1', config('secret')), AMD64)).toMatchObject({
        kind: 'found',
      });
    });

    test.each(['basic', 'bearer'] as const)('%s: wrong ones are refused, none need a login', async (mode) => {
      const reg = new FakeRegistry({ auth: mode, users });
      reg.push('lab/tool', '1');
      expect(await resolveImage(client(reg, 'lab/tool:1', config('wrong')), AMD64)).toEqual({
        kind: 'refused',
      });
      expect(await resolveImage(client(reg, 'lab/tool:1'), AMD64)).toEqual({ kind: 'needs-login' });
    });
  });

  test.each([
    [{ down: 'ENOTFOUND' }, 'ENOTFOUND'],
    [{ down: 'ECONNREFUSED' }, 'ECONNREFUSED'],
    [{ status: 503 }, 'HTTP 503'],
    [{ status: 429 }, 'rate limited (HTTP 429)'],
  ])('no answer %j: unreachable (%s)', async (opts, detail) => {
    const reg = new FakeRegistry(opts);
    expect(await resolveImage(client(reg, 'lab/tool:1'), AMD64)).toEqual({ kind: 'unreachable', detail });
  });

  test('a registry slower than the deadline is unreachable', async () => {
    const slow = (_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('x'), { name: 'TimeoutError' })),
        ),
      );
    const c = openRegistry(ref('reg.example.org/a/b'), {
      insecure: [],
      dockerConfig: undefined,
      signal: AbortSignal.timeout(50),
      fetch: slow,
    }).client;
    expect(await resolveImage(c, AMD64)).toEqual({ kind: 'unreachable', detail: 'no answer in time' });
  });
});
