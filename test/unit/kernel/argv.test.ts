import { type OptionDef, scanArgv } from '../../../lib/kernel/argv.js';

const TABLE: OptionDef[] = [
  { key: 'file', names: ['--file', '-f'], value: 'required' },
  { key: 'quiet', names: ['--quiet', '-q'], value: 'bool' },
  { key: 'wait', names: ['-K'], value: 'none' },
  { key: 'help', names: ['--help'], value: 'none', stop: true },
];
const LOOSE = { inlineLong: true, attachedShort: true, unknown: 'fail' } as const;

describe('scanArgv', () => {
  test.each<[string[], Array<[string, string]>, string[]]>([
    [['-f', 'D', 'ctx'], [['file', 'D']], ['ctx']],
    [['--file=D', 'ctx'], [['file', 'D']], ['ctx']],
    [
      ['-fD', '-f=E', 'ctx'],
      [
        ['file', 'D'],
        ['file', 'E'],
      ],
      ['ctx'],
    ],
    [
      ['-q', '--quiet=false', '-K', 'ctx'],
      [
        ['quiet', 'true'],
        ['quiet', 'false'],
        ['wait', 'true'],
      ],
      ['ctx'],
    ],
    [['--', '-f', 'x'], [], ['-f', 'x']],
    [['-', '-f'], [], ['-', '-f']],
    [['--help', '--bogus'], [['help', 'true']], ['--bogus']],
    [['cmd', '-f', 'x'], [], ['cmd', '-f', 'x']],
  ])('%j', (words, options, rest) => {
    const scan = scanArgv(words, TABLE, LOOSE);
    expect(scan.ok && scan.options.map((o) => [o.key, o.value])).toEqual(options);
    expect(scan.ok && scan.rest).toEqual(rest);
  });

  test.each<[string[], string, string]>([
    [['--bogus=1'], 'unknown', '--bogus'],
    [['-Z'], 'unknown', '-Z'],
    [['-Zx'], 'unknown', '-Z'],
    [['-f'], 'missing-value', '-f'],
    [['-qf'], 'attached-flag', '-q'],
    [['--quiet=maybe'], 'bad-flag-value', '--quiet'],
    [['-K=1'], 'unknown', '-K=1'],
  ])('%j is refused: %s %s', (words, kind, written) => {
    const scan = scanArgv(words, TABLE, { ...LOOSE, attachedShort: words[0] !== '-K=1' });
    expect(scan.ok ? undefined : [scan.problem.kind, scan.problem.written]).toEqual([kind, written]);
  });

  test('an unknown option-like word can end the options instead', () => {
    const scan = scanArgv(['--bogus', 'x'], TABLE, { unknown: 'stop' });
    expect(scan).toEqual({ ok: true, options: [], rest: ['--bogus', 'x'] });
  });

  test('what looks like an option is up to the program', () => {
    const scan = scanArgv(['-c', 'echo'], TABLE, { unknown: 'fail', optionLike: (w) => w.startsWith('--') });
    expect(scan).toEqual({ ok: true, options: [], rest: ['-c', 'echo'] });
  });
});
