import fc from 'fast-check';
import { formatSize, parseSize } from '../../../../lib/kernel/grammar/size.js';

const K = 1024;
const M = K ** 2;
const G = K ** 3;

describe('parseSize: docker-style sizes to bytes', () => {
  test.each<[string, number]>([
    ['0', 0],
    ['1048576', 1048576],
    ['1k', K],
    ['1K', K],
    ['512m', 512 * M],
    ['512M', 512 * M],
    ['4g', 4 * G],
    ['20G', 20 * G],
    ['1t', K ** 4],
    ['1p', K ** 5],
    ['1.5g', 1.5 * G],
    ['1.5GiB', 1.5 * G],
    ['64mb', 64 * M],
    ['64 m', 64 * M],
    ['  2g  ', 2 * G],
    ['10b', 10],
    ['0.5k', 512],
    ['1.7', 1],
  ])('%j -> %d', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each([
    '',
    'g',
    '-1g',
    '4gg',
    '4 g b',
    '1e3',
    '0x10',
    '4x',
    '.5g',
    '5.g',
    '4g;rm',
    '--shm-size=1g',
    'Infinity',
    'NaN',
  ])('%j is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  test('what docker cannot take (beyond a safe integer) is not a size', () => {
    expect(parseSize('99999999999999999999p')).toBeUndefined();
    expect(parseSize(`${'9'.repeat(400)}`)).toBeUndefined();
  });
});

describe('formatSize: bytes to the shortest exact docker size', () => {
  test.each<[number, string]>([
    [4 * G, '4g'],
    [512 * M, '512m'],
    [1.5 * G, '1536m'],
    [K, '1k'],
    [1000, '1000b'],
    [0, '0b'],
    [3 * G + 1, `${3 * G + 1}b`],
  ])('%d -> %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test('parseSize(formatSize(n)) === n for every whole number of bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.constantFrom(1, K, M, G), (n, unit) => {
        const bytes = n * unit <= Number.MAX_SAFE_INTEGER ? n * unit : n;
        expect(parseSize(formatSize(bytes))).toBe(bytes);
      }),
      { numRuns: 500 },
    );
  });

  test('a parsed size is always a safe, non-negative whole number', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const bytes = parseSize(text);
        if (bytes !== undefined) {
          expect(Number.isSafeInteger(bytes)).toBe(true);
          expect(bytes).toBeGreaterThanOrEqual(0);
          expect(String(bytes)).toMatch(/^\d+$/);
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,25}(\.\d{1,5})?[kmgtpKMGTP]?$/), (text) => {
        const bytes = parseSize(text);
        if (bytes !== undefined) expect(String(bytes)).toMatch(/^\d+$/);
      }),
      { numRuns: 1000 },
    );
  });
});
