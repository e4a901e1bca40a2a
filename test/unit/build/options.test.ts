import fc from 'fast-check';
import { BUILD_OPTIONS, parseBuildArgs } from '../../../lib/build/options.js';

const parse = (words: string[]) => {
  const parsed = parseBuildArgs(words);
  if (!parsed.ok)
    throw new Error(`expected ${words.join(' ')} to parse: ${parsed.subject}: ${parsed.reason}`);
  return parsed.args;
};
const summary = (words: string[]) => parse(words).options.map((o) => `${o.def.long}=${o.value}`);

describe('parseBuildArgs: every form docker accepts, context last', () => {
  test.each<[string[], string[], string]>([
    [['.'], [], '.'],
    [['-f', 'Dockerfile.x', '.'], ['file=Dockerfile.x'], '.'],
    [['-fDockerfile.x', 'ctx'], ['file=Dockerfile.x'], 'ctx'],
    [['-f=Dockerfile.x', 'ctx'], ['file=Dockerfile.x'], 'ctx'],
    [['--file', 'a', '--file=b', 'ctx'], ['file=a', 'file=b'], 'ctx'],
    [['-t', 'r/u/n:1', '--tag=r/u/n:2', '.'], ['tag=r/u/n:1', 'tag=r/u/n:2'], '.'],
    [['--build-arg', 'A=1 2', '.'], ['build-arg=A=1 2'], '.'],
    [['--no-cache', '--pull', '-q', '.'], ['no-cache=true', 'pull=true', 'quiet=true'], '.'],
    [['--rm=false', '.'], ['rm=false'], '.'],
    [['--', '.'], [], '.'],
    [['--target', 'build', '--', 'dir'], ['target=build'], 'dir'],
    [['-t', '--weird', '.'], ['tag=--weird'], '.'],
    [['https://example.org/repo.git#main:sub'], [], 'https://example.org/repo.git#main:sub'],
  ])('%j', (words, options, context) => {
    expect(summary(words)).toEqual(options);
    expect(parse(words).context).toBe(context);
  });

  test.each<[string[], string, RegExp]>([
    [[], 'CONTEXT', /no build context/],
    [['-t', 'x'], 'CONTEXT', /no build context/],
    [['.', '-t', 'x'], 'CONTEXT', /must be the last argument.*"-t x" follows "\."/],
    [['a', 'b'], 'CONTEXT', /must be the last argument/],
    [['--frobnicate', '.'], '--frobnicate', /not a docker build option/],
    [['--frobnicate=1', '.'], '--frobnicate', /not a docker build option/],
    [['-Z', '.'], '-Z', /not a docker build option/],
    [['-qt', 'x', '.'], '-qt', /write short options separately/],
    [['--file'], '--file', /needs a value/],
    [['--no-cache=maybe', '.'], '--no-cache', /takes no value or =true\/=false/],
  ])('%j is refused naming %s', (words, subject, reason) => {
    const parsed = parseBuildArgs(words);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.subject).toBe(subject);
    expect(parsed.reason).toMatch(reason);
  });

  test('every option in the table has a unique long and short name', () => {
    const longs = BUILD_OPTIONS.map((d) => d.long);
    const shorts = BUILD_OPTIONS.flatMap((d) => (d.short ? [d.short] : []));
    expect(new Set(longs).size).toBe(longs.length);
    expect(new Set(shorts).size).toBe(shorts.length);
    for (const d of BUILD_OPTIONS) if (d.check === 'refused') expect(d.reason).toBeTruthy();
  });

  test('property: never throws; on success the context is the last word and no option is lost', () => {
    const word = fc.oneof(
      fc.constantFrom('-f', '-t', '--tag', '--no-cache', '--', '-q', '.', '--file=x', '-', '--rm=false'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (words) => {
        const parsed = parseBuildArgs(words);
        if (!parsed.ok) return;
        expect(parsed.args.context).toBe(words.at(-1));
        expect(parsed.args.options.length).toBeLessThanOrEqual(words.length - 1);
      }),
    );
  });
});
