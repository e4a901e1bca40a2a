import fc from 'fast-check';
import {
  ALWAYS_DROPPED,
  denyPatterns,
  dropReason,
  ENV_NAME,
  entryPair,
  filterEnvironment,
  filterVariables,
  jobEnvironment,
  MAX_ENV_VALUE,
  parseEnvFile,
} from '../../../lib/policy/rules/environment.js';

describe('dropReason: what an env-file cannot or must not carry', () => {
  test.each<[string, string, string | undefined]>([
    ['PATH', '/usr/bin', undefined],
    ['_x1', '', undefined],
    ['EMPTY', '', undefined],
    ['SPACES', '  a b  ', undefined],
    ['QUOTES', `"'$(id)'"`, undefined],
    ['EQUALS', 'a=b=c', undefined],
    ['UNICODE', 'ünïcødé ✓', undefined],
    ['TABS', 'a\tb', undefined],
    ['1ABC', 'x', 'not a valid variable name'],
    ['A-B', 'x', 'not a valid variable name'],
    ['A B', 'x', 'not a valid variable name'],
    ['', 'x', 'not a valid variable name'],
    ['A=B', 'x', 'not a valid variable name'],
    ['BASH_FUNC_f%%', '() {  echo hi\n}', 'a bash function'],
    ['BASH_FUNC_f()', '() { :; }', 'a bash function'],
    ['HOSTNAME', 'node1', 'always dropped'],
    ['LSB_INTERACTIVE', 'Y', 'always dropped'],
    ['MULTI', 'a\nb', 'its value holds a newline, which an env-file cannot carry'],
    ['CR', 'a\rb', 'its value holds a newline, which an env-file cannot carry'],
    ['TRAILING_NL', 'a\n', 'its value holds a newline, which an env-file cannot carry'],
    ['FN', '() { :; }', 'a bash function'],
    ['FN2', '(){ x; }', 'a bash function'],
    ['NUL', 'a\0b', 'its value holds a NUL byte'],
    ['BIG', 'x'.repeat(MAX_ENV_VALUE + 1), `its value is longer than ${MAX_ENV_VALUE} bytes`],
    ['BIG_UTF8', 'é'.repeat(MAX_ENV_VALUE / 2 + 1), `its value is longer than ${MAX_ENV_VALUE} bytes`],
  ])('%j=%j', (name, value, reason) => {
    expect(dropReason(name, value, [])).toBe(reason);
  });

  test('a value of exactly the limit passes', () => {
    expect(dropReason('MAX', 'x'.repeat(MAX_ENV_VALUE), [])).toBeUndefined();
  });

  test('deny patterns match whole names only', () => {
    const deny = denyPatterns(['AWS_.*', 'SSH_AUTH_SOCK|KRB5CCNAME']);
    expect(dropReason('AWS_KEY', 'x', deny)).toBe('denied by the admin ([environment] deny)');
    expect(dropReason('KRB5CCNAME', 'x', deny)).toBe('denied by the admin ([environment] deny)');
    expect(dropReason('MY_AWS_KEY', 'x', deny)).toBeUndefined();
    expect(dropReason('SSH_AUTH_SOCKET', 'x', deny)).toBeUndefined();
  });
});

describe('filterEnvironment', () => {
  test('later sources override earlier ones; names keep their first position; drops are reported once', () => {
    const decision = filterEnvironment(
      [
        [
          ['A', '1'],
          ['B', 'x\ny'],
          ['C', '3'],
        ],
        [
          ['A', 'one'],
          ['B', 'fixed'],
          ['HOSTNAME', 'h'],
        ],
        [['D', '4']],
      ],
      [],
    );
    expect(decision.kept).toEqual(['A=one', 'B=fixed', 'C=3', 'D=4']);
    expect(decision.dropped).toEqual([{ name: 'HOSTNAME', reason: 'always dropped' }]);
  });

  test('every variable is either kept, unchanged, or dropped with a reason', () => {
    const name = fc.oneof(
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('HOSTNAME', 'LSB_INTERACTIVE', 'BASH_FUNC_x%%', 'PATH'),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('() { :; }', 'a\nb', 'a\rb', '', 'x\0y'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 20 }), (entries) => {
        const { kept, dropped } = filterEnvironment([entries], []);
        const last = new Map(entries);
        expect(kept.length + dropped.length).toBe(last.size);
        for (const [n, v] of kept.map(entryPair)) {
          expect(last.get(n)).toBe(v);
          expect(n).toMatch(ENV_NAME);
          expect(v).not.toMatch(/[\n\r\0]/);
          expect(v).not.toMatch(/^\(\)\s*\{/);
          expect(ALWAYS_DROPPED.has(n)).toBe(false);
        }
        for (const d of dropped) expect(dropReason(d.name, last.get(d.name)!, [])).toBe(d.reason);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseEnvFile: the env files users name', () => {
  test('NAME=value lines, comments, blank lines, export, CRLF', () => {
    const text = [
      '# comment',
      '',
      'A=1',
      'export B=two words',
      '  export   C = spaced',
      'D=',
      'E=a=b',
      '   # indented comment',
      'F="quoted"',
      'G=crlf\r',
      '',
    ].join('\n');
    expect(parseEnvFile(text, '/f')).toEqual({
      entries: [
        ['A', '1'],
        ['B', 'two words'],
        ['C', ' spaced'],
        ['D', ''],
        ['E', 'a=b'],
        ['F', '"quoted"'],
        ['G', 'crlf'],
      ],
      errors: [],
    });
  });

  test('lines that are not NAME=value are one error naming the file and the lines, never their text', () => {
    expect(parseEnvFile('OK=1\nJUSTNAME\n=novalue\n1X=2\nA-B=3\n', '/home/alice/e')).toEqual({
      entries: [['OK', '1']],
      errors: ['/home/alice/e: lines 2, 3, 4, 5 are not NAME=value'],
    });
  });

  test('a bad line is never quoted (under sudo the file may be one the user cannot read)', () => {
    const { errors } = parseEnvFile(`secret-${'x'.repeat(100)}\n`, '/f');
    expect(errors).toEqual(['/f: line 1 is not NAME=value']);
    const many = parseEnvFile('a\nb\nc\nd\ne\nf\ng\n', '/f').errors;
    expect(many).toEqual(['/f: lines 1, 2, 3, 4, 5 and 2 more are not NAME=value']);
  });
});

describe('filterEnvironment decides each variable as dropReason does (its fast path included)', () => {
  const names = fc.oneof(
    fc.constantFrom(
      'PATH',
      'HOSTNAME',
      'LSB_INTERACTIVE',
      'SUDO_USER',
      'SUDOX',
      'AWS_KEY',
      'BASH_FUNC_f%%',
      '_',
    ),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/),
    fc.string({ maxLength: 8 }),
  );
  const values = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('() { :; }', '(){ x; }', 'a\nb', 'a\rb', 'a\0b', ' () {', 'x'.repeat(MAX_ENV_VALUE)),
    fc.constantFrom(
      'x'.repeat(MAX_ENV_VALUE + 1),
      'é'.repeat(MAX_ENV_VALUE / 2 + 1),
      'é'.repeat(MAX_ENV_VALUE / 3),
    ),
  );
  test.each([[[]], [['AWS_.*', 'KRB5CCNAME']]])('deny %j', (patterns) => {
    const deny = denyPatterns(patterns as string[]);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(names, values), { selector: ([n]) => n, maxLength: 30 }),
        (vars) => {
          const decision = filterEnvironment([vars], deny);
          const expected = vars.map(([n, v]) => [n, dropReason(n, v, deny)] as const);
          const values = new Map(vars);
          expect(decision.kept).toEqual(
            expected.filter(([, r]) => r === undefined).map(([n]) => `${n}=${values.get(n)}`),
          );
          expect(decision.dropped).toEqual(
            expected.flatMap(([name, reason]) => (reason ? [{ name, reason }] : [])),
          );
        },
      ),
    );
  });
});

describe('filterVariables: an environment overridden by later sources, not copied', () => {
  test('decides exactly as filterEnvironment on the same sources', () => {
    const name = fc.constantFrom('A', 'B', 'C', 'HOSTNAME', 'SUDO_X', '1X', 'TMPDIR', 'HOME');
    const value = fc.constantFrom('v', '', 'a\nb', '() { :; }', 'w');
    const pairs = fc.array(fc.tuple(name, value), { maxLength: 12 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n }),
        pairs,
        pairs,
        (env, a, b) => {
          const entries = env.map(([n, v]) => `${n}=${v}`);
          expect(filterVariables(entries, [a, b], [])).toEqual(filterEnvironment([env, a, b], []));
        },
      ),
    );
  });
});

describe("jobEnvironment: the job's own variables, each name once", () => {
  test('as the user: the request entries themselves (read once)', () => {
    const entries = ['A=1'];
    expect(jobEnvironment({ A: '1' }, undefined, entries)).toBe(entries);
    expect(jobEnvironment({ A: '1', B: undefined, C: 'x=y' }, undefined)).toEqual(['A=1', 'C=x=y']);
  });

  test("through sudo: the snapshot, then what sudo kept (its value wins in the snapshot's place), sudo's own dropped", () => {
    const env = { SUDO_UID: '4201', HOME: '/root', LSB_JOBID: '7', LS_SUBCWD: '/w', TMPDIR: '/tmp/7.tmpdir' };
    const snapshot = ['HOME=/home/alice', 'LSB_JOBID=7', 'FOO=bar', 'LS_SUBCWD=/old', 'FOO=last'];
    expect(jobEnvironment(env, snapshot)).toEqual([
      'HOME=/home/alice',
      'LSB_JOBID=7',
      'FOO=last',
      'LS_SUBCWD=/w',
      'TMPDIR=/tmp/7.tmpdir',
    ]);
  });
});
