import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { renderCommand, ShellQuoteError, shQuote } from '../../../../lib/scheduler/slurm/shell.js';

/** Runs sh on a script printing each word of LINE followed by a NUL; returns the words. */
function wordsBySh(line: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

/** A strict reader of what shQuote writes: a run of '...' pieces and \' escapes; nothing else is allowed. */
function unquote(word: string): string {
  let out = '';
  let i = 0;
  while (i < word.length) {
    if (word[i] === '\\') {
      expect(word[i + 1]).toBe("'");
      out += "'";
      i += 2;
      continue;
    }
    expect(word[i]).toBe("'");
    const end = word.indexOf("'", i + 1);
    expect(end).toBeGreaterThan(i);
    out += word.slice(i + 1, end);
    i = end + 1;
  }
  return out;
}

const HOSTILE = [
  '',
  "'",
  "''",
  "it's",
  '"$(id)"',
  '`id`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text on purpose
  '$HOME ${PATH} $((1+1))',
  '; rm -rf / #',
  '\\',
  "\\'",
  'a\nb',
  'line1\n#SBATCH --uid=0\nline3',
  'a\r\nb',
  '\r\n\r\n',
  'tab\there',
  '*?[a-z]',
  '-n',
  '--',
  '~root',
  'ünïcødé ✓',
  "'; exec sh; '",
];

describe('shQuote', () => {
  test.each(HOSTILE)('sh reads %j back unchanged', (text) => {
    expect(wordsBySh(shQuote(text))).toEqual([text]);
  });

  test('a whole hostile command line comes back word for word', () => {
    expect(wordsBySh(renderCommand(HOSTILE))).toEqual(HOSTILE);
  });

  test('never a CR directly before a LF (sbatch refuses such scripts)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\r', '\n', "'", ' ') }), (text) => {
        expect(shQuote(text)).not.toContain('\r\n');
        expect(unquote(shQuote(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('any text without NUL: only quoted pieces, read back exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        (text) => {
          expect(unquote(shQuote(text))).toBe(text);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('and sh agrees on arbitrary argv', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
          { minLength: 1, maxLength: 5 },
        ),
        (words) => {
          expect(wordsBySh(renderCommand(words))).toEqual(words);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a NUL is refused', () => {
    expect(() => shQuote('a\0b')).toThrow(ShellQuoteError);
  });
});

describe('renderCommand expansions', () => {
  test('a fixed variable expands in double quotes', () => {
    expect(renderCommand(['srun', { prefix: '--nodes=', variable: 'SLURM_JOB_NUM_NODES' }])).toBe(
      `'srun' "--nodes=\${SLURM_JOB_NUM_NODES}"`,
    );
    expect(wordsBySh(`"\${X:-}"`)).toEqual(['']);
  });
  test.each([
    { variable: 'A;B' },
    { variable: 'lower' },
    { variable: 'X', prefix: '$(id)' },
    { variable: 'X', prefix: '"' },
  ])('refuses %j', (word) => {
    expect(() => renderCommand([word])).toThrow(ShellQuoteError);
  });
});
