import { usageError } from './errors.js';
import { VERSION } from './version.js';

export interface ProgramArgs {
  config?: string;
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
    options?: Record<string, string>;
    /** The words after ours are another program's options (docker build's): an unknown --option starts them. */
    foreignOptions?: boolean;
  },
): Promise<ProgramArgs> {
  const out: ProgramArgs = { dryRun: false, command: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      i++;
      break;
    }
    if (word === '--help' || word === '--version' || (word === '-h' && !accepts.foreignOptions)) {
      await showWithYargs(program, usage, word, accepts.options ?? {});
      return { ...out, exit: 0 };
    }
    if (word === '--config' || word.startsWith('--config=')) {
      const value = word === '--config' ? argv[++i] : word.slice('--config='.length);
      if (!value) throw usageError('--config needs a FILE');
      out.config = value;
      continue;
    }
    if (word === '--dry-run' && accepts.dryRun) {
      out.dryRun = true;
      continue;
    }
    if (
      !accepts.foreignOptions &&
      word.startsWith('--') &&
      out.command.length === 0 &&
      /^--[A-Za-z][\w-]*(=|$)/.test(word) &&
      !word.startsWith('--=')
    ) {
      throw usageError(`unknown option ${word} (use -- before a command that starts with --)`);
    }
    break;
  }
  out.command = argv.slice(i);
  return out;
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
