import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../kernel/errors.js';
import {
  BSUB_USAGE,
  type BsubArgs,
  bsubArgsOf,
  directiveOptions,
  scanBsubOptions,
} from '../scheduler/lsf/bsub-options.js';
import { mergeOptions } from '../scheduler/lsf/bsub-script.js';

/** The most of a job script bsub reads (LSF's limit on a job's command is far below it). */
const SCRIPT_LIMIT = 1024 * 1024;

/** A job script: its text and where it came from. */
export interface JobScript {
  text: string;
  /** 'stdin' for `bsub < script`, else the file named as the command. */
  from: 'stdin' | string;
}

function readAll(fd: number, limit: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total > limit) throw usageError(`bsub: the job script is larger than ${limit / 1024} KB`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where bsub's stdin is: whether it is a terminal, and its whole text (read only when needed). */
export interface StdinSource {
  isTTY: boolean;
  read: () => string;
}

/** This process's stdin, read to its end (at most the script limit and one byte more). */
export const readStdin = () => readAll(0, SCRIPT_LIMIT);

/** `bsub < script`: the script on stdin (not a terminal). */
function stdinScript(stdin: StdinSource): JobScript | undefined {
  if (stdin.isTTY) return undefined;
  const text = stdin.read();
  if (Buffer.byteLength(text, 'utf8') > SCRIPT_LIMIT)
    throw usageError(`bsub: the job script is larger than ${SCRIPT_LIMIT / 1024} KB`);
  return text.trim() === '' ? undefined : { text, from: 'stdin' };
}

/** `bsub script`: a command of one word naming a regular file of the working directory. */
function fileScript(command: string[], cwd: string): JobScript | undefined {
  if (command.length !== 1) return undefined;
  const path = resolve(cwd, command[0]!);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.subarray(0, n).toString('utf8'), from: path };
  } finally {
    closeSync(fd);
  }
}

/**
 * bsub's command line and job script, merged as LSF does: the #BSUB lines of the script (from
 * stdin, or the file named as the command) are options, and the command line's win. A script
 * from stdin is the job's command (its text).
 */
export function readSubmission(
  argv: string[],
  cwd: string,
  stdin: StdinSource,
): { args: BsubArgs; script?: JobScript } {
  const { options, rest } = scanBsubOptions(argv);
  const script = rest.length === 0 ? stdinScript(stdin) : fileScript(rest, cwd);
  if (rest.length === 0 && !script)
    throw usageError(`bsub: no command given (and no job script on stdin)\n${BSUB_USAGE}`);
  const merged = script ? mergeOptions(directiveOptions(script.text), options) : options;
  const command = rest.length > 0 ? rest : [script!.text.replace(/\n+$/, '')];
  return { args: bsubArgsOf(merged, command), script };
}

/** The job name LSF gives a job without -J: the command, or a script's first command line. */
export function defaultJobName(args: BsubArgs, script: JobScript | undefined): string {
  if (script?.from !== 'stdin') return args.command.join(' ');
  const first = script.text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return (first ?? 'sh').trim();
}
