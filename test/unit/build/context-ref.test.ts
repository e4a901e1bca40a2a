import { parseContextRef } from '../../../lib/build/context-ref.js';

describe('parseContextRef: directory, git URL or tarball URL, as docker tells them apart', () => {
  test.each<[string, object]>([
    ['.', { kind: 'dir', path: '/home/alice/work' }],
    ['sub/dir', { kind: 'dir', path: '/home/alice/work/sub/dir' }],
    ['/abs/ctx/', { kind: 'dir', path: '/abs/ctx' }],
    ['git://host/repo', { kind: 'git' }],
    ['git@github.com:org/repo.git', { kind: 'git' }],
    ['github.com/org/repo', { kind: 'git' }],
    ['https://host/org/repo.git#v1:sub', { kind: 'git' }],
    ['https://host/ctx.tar.gz', { kind: 'url', url: 'https://host/ctx.tar.gz' }],
  ])('%s', (text, expected) => {
    expect(parseContextRef(text, '/home/alice/work')).toEqual({
      ok: true,
      context: expect.objectContaining(expected),
    });
  });

  test.each<[string, RegExp]>([
    ['-', /stdin.*not supported/],
    ['--foo', /must not start with "-"/],
    ['', /empty/],
    ['a\nb', /control characters/],
    ['file:///etc', /neither a directory nor/],
    ['ftp://host/x.tar', /neither a directory nor/],
  ])('%j is refused', (text, reason) => {
    const parsed = parseContextRef(text, '/w');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
