import fc from 'fast-check';
import { type PortSpec, parsePort, portArg } from '../../../../lib/kernel/grammar/port.js';

const ok = (text: string): PortSpec => {
  const parsed = parsePort(text);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse: ${parsed.reason}`);
  return parsed.port;
};

describe('parsePort: HOST[-HOST2][:CONTAINER[-CONTAINER2]][/proto]', () => {
  test.each<[string, Omit<PortSpec, 'text'>, string]>([
    [
      '8080',
      { hostFirst: 8080, hostLast: 8080, containerFirst: 8080, containerLast: 8080, protocol: 'tcp' },
      '8080:8080/tcp',
    ],
    [
      '8080:80',
      { hostFirst: 8080, hostLast: 8080, containerFirst: 80, containerLast: 80, protocol: 'tcp' },
      '8080:80/tcp',
    ],
    [
      '8080/udp',
      { hostFirst: 8080, hostLast: 8080, containerFirst: 8080, containerLast: 8080, protocol: 'udp' },
      '8080:8080/udp',
    ],
    [
      '8000-8002',
      { hostFirst: 8000, hostLast: 8002, containerFirst: 8000, containerLast: 8002, protocol: 'tcp' },
      '8000-8002:8000-8002/tcp',
    ],
    [
      '8000-8002:9000-9002/sctp',
      { hostFirst: 8000, hostLast: 8002, containerFirst: 9000, containerLast: 9002, protocol: 'sctp' },
      '8000-8002:9000-9002/sctp',
    ],
    [
      '1:65535',
      { hostFirst: 1, hostLast: 1, containerFirst: 65535, containerLast: 65535, protocol: 'tcp' },
      '1:65535/tcp',
    ],
  ])('%s', (text, expected, arg) => {
    const port = ok(text);
    expect(port).toEqual({ ...expected, text });
    expect(portArg(port)).toBe(arg);
  });

  test.each<[string, RegExp]>([
    ['', /is not PORT/],
    ['0', /1-65535/],
    ['65536', /1-65535/],
    ['8080:0', /1-65535/],
    ['8002-8000', /upwards/],
    ['8000-8002:80', /differ in length/],
    ['8000:80-81', /differ in length/],
    ['127.0.0.1:8080:80', /is not PORT/],
    ['0.0.0.0:8080', /is not PORT/],
    ['8080/icmp', /is not PORT/],
    ['8080/TCP', /is not PORT/],
    ['-8080', /is not PORT/],
    ['8080 ', /is not PORT/],
    ['8080,8081', /is not PORT/],
    ['123456', /is not PORT/],
    ['http', /is not PORT/],
  ])('%j refused', (text, reason) => {
    const parsed = parsePort(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  test('accepted ports are in range, ranges go up and match, and portArg re-parses to the same ports', () => {
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 70000 }),
        fc.option(fc.integer({ min: 0, max: 70000 })),
        fc.option(
          fc.tuple(fc.integer({ min: 0, max: 70000 }), fc.option(fc.integer({ min: 0, max: 70000 }))),
        ),
        fc.option(fc.constantFrom('tcp', 'udp', 'sctp', 'icmp')),
      )
      .map(
        ([h1, h2, c, p]) =>
          `${h1}${h2 !== null ? `-${h2}` : ''}${c ? `:${c[0]}${c[1] !== null ? `-${c[1]}` : ''}` : ''}${p ? `/${p}` : ''}`,
      );
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 20 })), (t) => {
        const parsed = parsePort(t);
        if (!parsed.ok) return;
        const p = parsed.port;
        for (const n of [p.hostFirst, p.hostLast, p.containerFirst, p.containerLast]) {
          expect(Number.isInteger(n) && n >= 1 && n <= 65535).toBe(true);
        }
        expect(p.hostLast - p.hostFirst).toBe(p.containerLast - p.containerFirst);
        expect(p.hostLast).toBeGreaterThanOrEqual(p.hostFirst);
        const again = ok(portArg(p));
        expect({ ...again, text: '' }).toEqual({ ...p, text: '' });
      }),
      { numRuns: 1000 },
    );
  });
});
