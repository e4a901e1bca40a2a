import { type OptionDef, scanArgv } from './argv.js';
import { usageError } from './errors.js';
import { VERSION } from './version.js';

export interface ProgramArgs {
  config?: string;
  /** --profile NAME: the admin profile fixed in the job starter line (docker_run only). */
  profile?: string;
  dryRun: boolean;
  /** Everything after the options (or after --): the job's command, untouched. */
  command: string[];
  /** Set when the program should exit at once with this status (--help, --version). */
  exit?: number;
}

/**
 * The job starters' command line: [--config FILE] [--dry-run] [--] COMMAND... Parsing stops at
 * the first word that is not one of our options, so the job's own options are never eaten.
 * --help and --version are handled by yargs (loaded only then, to keep start-up lean).
 */
export async function parseProgramArgs(
  program: string,
  usage: string,
  argv: string[],
  accepts: {
    dryRun?: boolean;
    /** --profile NAME is one of the program's options. */
    profile?: boolean;
    options?: Record<string, string>;
    /** The words after ours are another program's options (docker build's): an unknown --option starts them. */
    foreignOptions?: boolean;
  },
): Promise<ProgramArgs> {
  const scan = scanArgv(argv, programOptions(accepts), {
    inlineLong: true,
    unknown: accepts.foreignOptions ? 'stop' : 'fail',
    optionLike: (word) => LONG_OPTION.test(word),
  });
  if (!scan.ok) {
    const { kind, word, written } = scan.problem;
    if (kind === 'missing-value') throw usageError(`${written} needs ${VALUE_NAME[written] ?? 'a FILE'}`);
    throw usageError(`unknown option ${word} (use -- before a command that starts with --)`);
  }
  const out: ProgramArgs = { dryRun: false, command: scan.rest };
  for (const { key, value, written } of scan.options) {
    if (key === 'config') {
      if (!value) throw usageError('--config needs a FILE');
      out.config = value;
    } else if (key === 'profile') {
      if (!value) throw usageError('--profile needs a NAME');
      out.profile = value;
    } else if (key === 'dry-run') out.dryRun = true;
    else {
      await showWithYargs(program, usage, written, accepts.options ?? {});
      return { ...out, command: [], exit: 0 };
    }
  }
  return out;
}

/** What looks like one of our options: --NAME or --NAME=VALUE (a job's -x or --=x is its own). */
const LONG_OPTION = /^--[A-Za-z][\w-]*(=|$)/;

/** What an option's value is called in its usage error. */
const VALUE_NAME: Record<string, string> = { '--profile': 'a NAME' };

/** The job starters' options: --config FILE, --dry-run and --profile NAME when the program has them, --help, --version (and -h). */
function programOptions(accepts: {
  dryRun?: boolean;
  profile?: boolean;
  foreignOptions?: boolean;
}): OptionDef[] {
  const table: OptionDef[] = [
    { key: 'config', names: ['--config'], value: 'required' },
    { key: 'help', names: accepts.foreignOptions ? ['--help'] : ['--help', '-h'], value: 'none', stop: true },
    { key: 'version', names: ['--version'], value: 'none', stop: true },
  ];
  if (accepts.dryRun) table.push({ key: 'dry-run', names: ['--dry-run'], value: 'none' });
  if (accepts.profile) table.push({ key: 'profile', names: ['--profile'], value: 'required' });
  return table;
}

export async function showWithYargs(
  program: string,
  usage: string,
  flag: string,
  options: Record<string, string>,
): Promise<void> {
  const { default: yargs } = await import('yargs');
  // yargs knows only --help; -h would print nothing.
  let parser = yargs([flag === '-h' ? '--help' : flag])
    .scriptName(program)
    .usage(usage);
  for (const [name, describe] of Object.entries(options)) {
    parser = parser.option(name.replace(/ .*/, ''), {
      describe,
      type: name.includes(' ') ? 'string' : 'boolean',
    });
  }
  parser = parser.version(VERSION).help().exitProcess(false).wrap(null);
  await parser.parse();
}
