import fc from 'fast-check';
import { isHostname, parseHostEntry } from '../../../../lib/kernel/grammar/host.js';

describe('parseHostEntry: HOSTNAME:IP', () => {
  test.each<[string, string, string]>([
    ['db:10.0.0.5', 'db', '10.0.0.5'],
    ['db.example.org:192.168.1.1', 'db.example.org', '192.168.1.1'],
    ['gw:host-gateway', 'gw', 'host-gateway'],
    ['v6:::1', 'v6', '::1'],
    ['v6:fe80::1', 'v6', 'fe80::1'],
    ['a-b.c-d:1.2.3.4', 'a-b.c-d', '1.2.3.4'],
  ])('%s', (text, name, ip) => {
    expect(parseHostEntry(text)).toEqual({ ok: true, host: { name, ip } });
  });

  test.each<[string, RegExp]>([
    ['db', /is not HOSTNAME:IP/],
    [':10.0.0.1', /is not HOSTNAME:IP/],
    ['db:', /is not an IP address/],
    ['db:10.0.0', /is not an IP address/],
    ['db:999.0.0.1', /is not an IP address/],
    ['db:localhost', /is not an IP address/],
    ['db:10.0.0.1 x', /is not an IP address/],
    ['-db:10.0.0.1', /not a valid host name/],
    ['db-:10.0.0.1', /not a valid host name/],
    ['d_b:10.0.0.1', /not a valid host name/],
    ['d b:10.0.0.1', /not a valid host name/],
    ['db..x:10.0.0.1', /not a valid host name/],
    [`${'a'.repeat(64)}:1.2.3.4`, /not a valid host name/],
  ])('%j refused', (text, reason) => {
    const parsed = parseHostEntry(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  test('isHostname', () => {
    expect(isHostname('node1')).toBe(true);
    expect(isHostname('node1.cluster.local')).toBe(true);
    expect(isHostname(`${'a.'.repeat(126)}a`)).toBe(true);
    expect(isHostname(`${'a.'.repeat(127)}a`)).toBe(false);
    expect(isHostname('')).toBe(false);
    expect(isHostname('-x')).toBe(false);
  });

  test('accepted entries never hold white space or start with "-"', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const parsed = parseHostEntry(text);
        if (!parsed.ok) return;
        expect(`${parsed.host.name}:${parsed.host.ip}`).toBe(text);
        expect(text).not.toMatch(/\s|^-/);
      }),
      { numRuns: 1000 },
    );
  });
});
