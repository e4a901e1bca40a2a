import { posix } from 'node:path';
import fc from 'fast-check';
import { isWithin, parseAbsolutePath } from '../../../../lib/kernel/grammar/path.js';

describe('parseAbsolutePath', () => {
  test.each<[string, string]>([
    ['/', '/'],
    ['/data', '/data'],
    ['/data/', '/data'],
    ['/data//x', '/data/x'],
    ['/data/./x', '/data/x'],
    ['/data/x.y-z_@+=%', '/data/x.y-z_@+=%'],
    ['/data/…ünïcode', '/data/…ünïcode'],
    ['/a/-rf', '/a/-rf'],
  ])('%j -> %j', (text, path) => {
    expect(parseAbsolutePath(text)).toEqual({ ok: true, path });
  });

  test.each<[string, RegExp]>([
    ['', /not an absolute path/],
    ['data', /not an absolute path/],
    ['./data', /not an absolute path/],
    ['-v', /not an absolute path/],
    ['~/data', /not an absolute path/],
    ['/data/../etc', /must not contain ".."/],
    ['/..', /must not contain ".."/],
    ['/data/..', /must not contain ".."/],
    ['/data x', /character not allowed/],
    ['/data\tx', /character not allowed/],
    ['/data\nx', /character not allowed/],
    ['/data\x00x', /character not allowed/],
    ['/a,readonly=false', /character not allowed/],
    ['/a:/b', /character not allowed/],
    ['/a"b', /character not allowed/],
    ["/a'b", /character not allowed/],
    ['/a\\b', /character not allowed/],
    ['/a\x7f', /character not allowed/],
    ['/a\u00a0b', /character not allowed/],
  ])('%j refused', (text, reason) => {
    const parsed = parseAbsolutePath(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  test('accepted paths are absolute, normal, without .. or separators of --mount and -v', () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', '', ' ', ',', ':', 'x=y', '-', '\n', 'é', "'");
    const pathText = fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`);
    fc.assert(
      fc.property(fc.oneof(pathText, fc.string({ maxLength: 30 })), (text) => {
        const parsed = parseAbsolutePath(text);
        if (!parsed.ok) return;
        const p = parsed.path;
        expect(p.startsWith('/')).toBe(true);
        expect(p.split('/')).not.toContain('..');
        expect(p).not.toMatch(/[\s,:"'\\\x00-\x1f]/);
        expect(p === '/' || !p.endsWith('/')).toBe(true);
        expect(p).not.toMatch(/\/\/|\/\.(\/|$)/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseAbsolutePath: its fast path for normal paths', () => {
  /** The parse as it was before the fast path: every accepted path through posix.normalize. */
  const reference = (text: string) => {
    if (
      !text.startsWith('/') ||
      !/^\/[^\s\x00-\x1f\x7f,:"'\\]*$/.test(text) ||
      text.split('/').includes('..')
    )
      return undefined;
    const normal = posix.normalize(text);
    return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
  };
  test('the same result as normalizing every path', () => {
    const segment = fc.constantFrom('a', 'bc', '..', '.', '', '...', '.a', 'a.', '..b', 'x=y', '-', 'é');
    const pathText = fc.array(segment, { maxLength: 7 }).map((s) => `/${s.join('/')}`);
    fc.assert(
      fc.property(
        fc.oneof(
          pathText,
          fc.string({ maxLength: 20 }).map((t) => `/${t}`),
        ),
        (text) => {
          const parsed = parseAbsolutePath(text);
          expect(parsed.ok ? parsed.path : undefined).toBe(reference(text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('isWithin: on path-segment boundaries', () => {
  test.each<[string, string, boolean]>([
    ['/data', '/data', true],
    ['/data/x', '/data', true],
    ['/data/x/y', '/data', true],
    ['/database', '/data', false],
    ['/dat', '/data', false],
    ['/', '/data', false],
    ['/anything', '/', true],
    ['/', '/', true],
    ['/proc/1/root', '/proc', true],
    ['/var/run/docker.sock', '/var/run/docker.sock', true],
    ['/var/run/docker.sock.x', '/var/run/docker.sock', false],
    ['/data', '/data/', false],
    ['/data/', '/data', true],
    ['', '/data', false],
    ['/dat', '/dat/a', false],
  ])('%s within %s: %s', (path, root, expected) => {
    expect(isWithin(path, root)).toBe(expected);
  });
});
