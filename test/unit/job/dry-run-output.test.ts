/** The dry run's output in pieces: byte for byte JSON.stringify(view, null, 2) and a newline, whatever the view holds. */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { dryRunPieces } from '../../../lib/job/dry-run-output.js';

const joined = (pieces: Array<string | Uint8Array>) =>
  pieces.map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('utf8'))).join('');

describe('dryRunPieces', () => {
  test('the env-file apart, the rest as JSON.stringify writes it', () => {
    const view = { image: 'x', files: { passwd: 'p', env: 'A=1\nB="2"\n' }, decisions: ['a'] };
    const pieces = dryRunPieces(view);
    expect(pieces).toHaveLength(3);
    expect(pieces[1]).toBe(JSON.stringify(view.files.env));
    expect(joined(pieces)).toBe(`${JSON.stringify(view, null, 2)}\n`);
  });

  test('a view holding the marker itself (as a whole string, or inside one) is still written exactly', () => {
    const mark = '\u0000lsf-docker env-file 0\u0000';
    const view = {
      image: mark,
      files: { group: `x${mark}`, env: mark },
      run: [mark, '\u0000lsf-docker env-file 1\u0000'],
    };
    expect(joined(dryRunPieces(view))).toBe(`${JSON.stringify(view, null, 2)}\n`);
  });

  test('any view: the same text; the literal maker gets the env-file and its bytes are used as they are', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.string()),
        fc.dictionary(fc.string(), fc.string()),
        (env, run, extra) => {
          const view = { ...extra, run, files: { passwd: 'p', env } };
          const bytes = (text: string) => Buffer.from(JSON.stringify(text), 'utf8');
          expect(joined(dryRunPieces(view, bytes))).toBe(`${JSON.stringify(view, null, 2)}\n`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
