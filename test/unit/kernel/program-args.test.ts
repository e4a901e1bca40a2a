import { jest } from '@jest/globals';
import { WrapperError } from '../../../lib/kernel/errors.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { parseProgramArgs } from '../../../lib/kernel/program-args.js';

const USAGE = 'Usage: docker_run [--config FILE] [--dry-run] [--] COMMAND...';
const OPTIONS = { 'config FILE': 'admin config', 'dry-run': 'print the plan' };
const parse = (argv: string[], dryRun = true) =>
  parseProgramArgs('docker_run', USAGE, argv, { dryRun, options: OPTIONS });

async function usageErrorOf(argv: string[], dryRun = true): Promise<WrapperError> {
  try {
    await parse(argv, dryRun);
  } catch (err) {
    if (err instanceof WrapperError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
}

/** What --help / --version print (yargs writes through the console). */
async function printed(fn: () => Promise<unknown>): Promise<{ result: unknown; text: string }> {
  let text = '';
  const grab = (...args: unknown[]) => {
    text += `${args.map(String).join(' ')}\n`;
    return true;
  };
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(grab),
    jest.spyOn(console, 'error').mockImplementation(grab),
    jest.spyOn(process.stdout, 'write').mockImplementation(grab as never),
  ];
  try {
    return { result: await fn(), text };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe("parseProgramArgs: the job's words are never eaten", () => {
  test.each<[string[], { config?: string; dryRun: boolean; command: string[] }]>([
    [['echo', 'hi'], { dryRun: false, command: ['echo', 'hi'] }],
    [[], { dryRun: false, command: [] }],
    [
      ['ls', '--config', 'x', '--dry-run', '--help'],
      { dryRun: false, command: ['ls', '--config', 'x', '--dry-run', '--help'] },
    ],
    [
      ['--config', '/etc/a.conf', 'ls', '-l'],
      { config: '/etc/a.conf', dryRun: false, command: ['ls', '-l'] },
    ],
    [['--config=/etc/a.conf', '--dry-run', 'ls'], { config: '/etc/a.conf', dryRun: true, command: ['ls'] }],
    [['--dry-run', '--config', '/c', '--', 'ls'], { config: '/c', dryRun: true, command: ['ls'] }],
    [['--', '--help'], { dryRun: false, command: ['--help'] }],
    [['--', '--config', 'x'], { dryRun: false, command: ['--config', 'x'] }],
    [['--', '--', 'x'], { dryRun: false, command: ['--', 'x'] }],
    [['--'], { dryRun: false, command: [] }],
    [['-l', 'x'], { dryRun: false, command: ['-l', 'x'] }],
    [['-c', 'echo $HOME'], { dryRun: false, command: ['-c', 'echo $HOME'] }],
    [['python', '--version'], { dryRun: false, command: ['python', '--version'] }],
    [['LSB_DOCKER_PLACE_HOLDER'], { dryRun: false, command: ['LSB_DOCKER_PLACE_HOLDER'] }],
    [['echo', '--'], { dryRun: false, command: ['echo', '--'] }],
    [['a b', '', 'c'], { dryRun: false, command: ['a b', '', 'c'] }],
  ])('%j', async (argv, expected) => {
    const args = await parse(argv);
    expect(args).toEqual(expected);
    expect(args.exit).toBeUndefined();
  });
});

describe('parseProgramArgs: an unknown --option before the command is refused', () => {
  test.each<[string[], boolean, RegExp]>([
    [['--bogus', 'ls'], true, /^unknown option --bogus \(use -- before a command that starts with --\)$/],
    [['--dryrun', 'ls'], true, /^unknown option --dryrun/],
    [['--confg=/x', 'ls'], true, /^unknown option --confg=\/x/],
    [['--privileged'], true, /^unknown option --privileged/],
    [['--config', '/c', '--volume=/:/host', 'ls'], true, /^unknown option --volume=\/:\/host/],
    [['--dry-run', 'ls'], false, /^unknown option --dry-run/],
    [['--dry_run', 'ls'], true, /^unknown option --dry_run/],
    [['--Config', '/c', 'ls'], true, /^unknown option --Config/],
    [['--config'], true, /^--config needs a FILE$/],
    [['--config='], true, /^--config needs a FILE$/],
    [['--config', ''], true, /^--config needs a FILE$/],
  ])('%j (dry-run accepted: %s)', async (argv, dryRun, reason) => {
    const err = await usageErrorOf(argv, dryRun);
    expect(err.code).toBe(ExitCode.USAGE);
    expect(err.message).toMatch(reason);
  });
});

describe('parseProgramArgs: --help and --version', () => {
  test.each([['--help'], ['-h'], ['--config', '/c', '--help']])(
    '%j prints the usage and exits 0',
    async (...argv) => {
      const { result, text } = await printed(() => parse(argv));
      expect(result).toMatchObject({ exit: 0 });
      expect(text).toContain('Usage: docker_run');
      expect(text).toContain('--dry-run');
    },
  );

  test('--version prints the version', async () => {
    const { result, text } = await printed(() => parse(['--version']));
    expect(result).toMatchObject({ exit: 0 });
    expect(text).toMatch(/\d+\.\d+\.\d+/);
  });
});
