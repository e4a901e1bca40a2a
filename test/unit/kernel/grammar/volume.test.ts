import fc from 'fast-check';
import { parseVolume } from '../../../../lib/kernel/grammar/volume.js';

describe('parseVolume: SRC:DST[:ro|rw]', () => {
  test.each<[string, { source: string; target: string; readOnly: boolean }]>([
    ['/data/in:/in', { source: '/data/in', target: '/in', readOnly: false }],
    ['/data/in:/in:rw', { source: '/data/in', target: '/in', readOnly: false }],
    ['/data/in:/in:ro', { source: '/data/in', target: '/in', readOnly: true }],
    ['/data/in/:/in/', { source: '/data/in', target: '/in', readOnly: false }],
    ['/data//in:/x/./y', { source: '/data/in', target: '/x/y', readOnly: false }],
  ])('%s', (text, expected) => {
    expect(parseVolume(text)).toEqual({ ok: true, volume: { ...expected, text } });
  });

  test.each<[string, RegExp]>([
    ['/data', /is not SRC:DST/],
    ['/a:/b:ro:z', /is not SRC:DST/],
    ['/a:/b:z', /mode "z" is not ro or rw/],
    ['/a:/b:Z', /mode "Z"/],
    ['/a:/b:shared', /mode "shared"/],
    ['/a:/b:', /mode ""/],
    ['/a:/b:ro,z', /mode "ro,z"/],
    ['data:/b', /source "data" is not an absolute path/],
    ['myvolume:/b', /source "myvolume" is not an absolute path/],
    [':/b', /source "" is not an absolute path/],
    ['/a:b', /target "b" is not an absolute path/],
    ['/a:', /target "" is not an absolute path/],
    ['/data/../etc:/x', /source .* must not contain ".."/],
    ['/data:/x/../etc', /target .* must not contain ".."/],
    ['/a,readonly=false:/b', /source .*character not allowed/],
    ['/a:/b,bind-propagation=shared', /target .*character not allowed/],
    ['-v:/b', /source "-v" is not an absolute path/],
    ['/a:-b', /target "-b" is not an absolute path/],
  ])('%j refused', (text, reason) => {
    const parsed = parseVolume(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  test('an accepted volume has absolute, clean paths and the only modes ro and rw', () => {
    const part = fc.constantFrom(
      '/data/x',
      '/a',
      'rel',
      '',
      '/a/../b',
      '/a b',
      '/a,b',
      'ro',
      'rw',
      'z',
      '-x',
      '/',
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const text = parts.join(':');
        const parsed = parseVolume(text);
        if (!parsed.ok) return;
        const v = parsed.volume;
        for (const p of [v.source, v.target]) {
          expect(p.startsWith('/')).toBe(true);
          expect(p).not.toMatch(/[\s,:]|(^|\/)\.\.(\/|$)/);
        }
        expect(parts.length === 2 || ['ro', 'rw'].includes(parts[2]!)).toBe(true);
        expect(v.readOnly).toBe(parts[2] === 'ro');
      }),
      { numRuns: 1000 },
    );
  });
});
