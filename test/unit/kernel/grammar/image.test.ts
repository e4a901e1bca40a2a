import fc from 'fast-check';
import { type ImageRef, parseImageRef, registryAllowed } from '../../../../lib/kernel/grammar/image.js';

const ok = (text: string): ImageRef => {
  const parsed = parseImageRef(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse: ${parsed.reason}`);
  return parsed.ref;
};

describe('parseImageRef accepts what docker pull accepts, normalised', () => {
  test.each<[string, Partial<ImageRef>]>([
    [
      'busybox',
      {
        registry: 'docker.io',
        path: 'library/busybox',
        tag: 'latest',
        canonical: 'docker.io/library/busybox:latest',
      },
    ],
    ['ubuntu:22.04', { registry: 'docker.io', path: 'library/ubuntu', tag: '22.04' }],
    ['library/ubuntu', { canonical: 'docker.io/library/ubuntu:latest' }],
    ['ris/compute1:v2', { registry: 'docker.io', path: 'ris/compute1', tag: 'v2' }],
    [
      'lsf-docker-test/busybox:latest',
      { registry: 'docker.io', path: 'lsf-docker-test/busybox', tag: 'latest' },
    ],
    ['docker.io/busybox', { registry: 'docker.io', path: 'library/busybox' }],
    [
      'index.docker.io/library/busybox:1',
      { registry: 'docker.io', canonical: 'docker.io/library/busybox:1' },
    ],
    [
      '127.0.0.1:5000/lsfd/busybox:latest',
      { registry: '127.0.0.1:5000', path: 'lsfd/busybox', canonical: '127.0.0.1:5000/lsfd/busybox:latest' },
    ],
    ['localhost/x', { registry: 'localhost', path: 'x', canonical: 'localhost/x:latest' }],
    ['localhost:5000/a/b/c:t_1.2-3', { registry: 'localhost:5000', path: 'a/b/c', tag: 't_1.2-3' }],
    ['Registry/x', { registry: 'Registry', path: 'x' }],
    ['ghcr.io/owner/img:v1', { registry: 'ghcr.io', path: 'owner/img' }],
    ['[::1]:5000/img', { registry: '[::1]:5000', path: 'img' }],
    ['a__b/c-d--e/f.g', { path: 'a__b/c-d--e/f.g' }],
    [
      `busybox@sha256:${'a'.repeat(64)}`,
      {
        tag: undefined,
        digest: `sha256:${'a'.repeat(64)}`,
        canonical: `docker.io/library/busybox@sha256:${'a'.repeat(64)}`,
      },
    ],
    [
      `quay.io/x/y:1@sha256:${'b'.repeat(64)}`,
      { registry: 'quay.io', tag: '1', canonical: `quay.io/x/y:1@sha256:${'b'.repeat(64)}` },
    ],
  ])('%s', (text, expected) => {
    const ref = ok(text);
    expect(ref).toMatchObject(expected);
    expect(ref.original).toBe(text);
  });
});

describe('parseImageRef refuses what is not an image reference', () => {
  test.each<[string, RegExp]>([
    ['', /empty/],
    ['-busybox', /must not start with "-"/],
    ['--privileged', /must not start with "-"/],
    ['busy box', /white space/],
    ['busybox\n', /white space/],
    ['busybox\t:1', /white space/],
    ['busybox\x00', /control/],
    ['BusyBox', /repository name/],
    ['busybox:', /malformed tag/],
    ['busybox:-x', /malformed tag/],
    [`busybox:${'t'.repeat(129)}`, /malformed tag/],
    ['busybox:a/b', /malformed registry/],
    ['busybox@sha256:abc', /malformed digest/],
    ['busybox@', /malformed digest/],
    ['/busybox', /repository name/],
    ['busybox/', /repository name/],
    ['a//b', /repository name/],
    ['a/../b', /repository name/],
    ['_a/b', /repository name/],
    ['a-/b', /repository name/],
    ['reg.io:x/img', /malformed registry/],
    ['reg.io:5000:1/img', /malformed registry/],
    ['-reg.io/img', /must not start/],
    ['re_g.io/img', /malformed registry/],
    [`${'a'.repeat(256)}`, /longer than 255/],
    ['img;rm', /repository name/],
    ['img$(id)', /repository name/],
  ])('%j', (text, reason) => {
    const parsed = parseImageRef(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('registryAllowed', () => {
  test.each<[string, string[], boolean]>([
    ['busybox', [], true],
    ['busybox', ['docker.io'], true],
    ['docker.io/library/busybox', ['docker.io'], true],
    ['busybox', ['127.0.0.1:5000'], false],
    ['127.0.0.1:5000/x', ['127.0.0.1:5000'], true],
    ['127.0.0.1:5000/x', ['127.0.0.1'], false],
    ['127.0.0.1/x', ['127.0.0.1:5000'], false],
    ['ghcr.io/a/b', ['docker.io', 'quay.io'], false],
    ['quay.io/a/b', ['docker.io', 'quay.io'], true],
  ])('%s with %j -> %s', (text, allowed, expected) => {
    expect(registryAllowed(ok(text), allowed)).toBe(expected);
  });
});

describe('parseImageRef properties', () => {
  test('never throws, and nothing accepted starts with "-" or holds white space', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const parsed = parseImageRef(text);
        if (parsed.ok) {
          expect(text.startsWith('-')).toBe(false);
          expect(/[\s\x00-\x1f\x7f]/.test(text)).toBe(false);
          expect(parsed.ref.canonical.startsWith(`${parsed.ref.registry}/`)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('a canonical name parses again to itself', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8})?$/);
    const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
    const registry = fc.constantFrom(
      '',
      'docker.io/',
      'localhost:5000/',
      'reg.example.org/',
      '10.1.2.3:443/',
    );
    fc.assert(
      fc.property(
        registry,
        fc.array(component, { minLength: 1, maxLength: 3 }),
        fc.option(tag),
        (r, p, t) => {
          const text = `${r}${p.join('/')}${t ? `:${t}` : ''}`;
          const first = ok(text);
          const again = ok(first.canonical);
          expect(again.canonical).toBe(first.canonical);
          expect(again.registry).toBe(first.registry);
        },
      ),
      { numRuns: 500 },
    );
  });
});
