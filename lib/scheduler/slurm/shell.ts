/**
 * The only way user text enters a batch script: one strict single-quoted word per argv element.
 * Pure.
 */

/** A variable the script expands itself (a fixed name from this code, never user text). */
export interface Expansion {
  /** The variable, e.g. SLURM_JOB_NUM_NODES. */
  variable: string;
  /** Text before the expansion inside the same word, e.g. `--nodes=` (fixed, never user text). */
  prefix?: string;
}

export type Word = string | Expansion;

export class ShellQuoteError extends Error {}

/**
 * 'text' with every ' written as '\'' (POSIX sh: nothing is special inside single quotes). A NUL
 * cannot be in a script, so it is refused. A CR directly before LF is split into two quoted
 * pieces ('a\r''\nb'): sbatch refuses scripts that contain "\r\n" anywhere.
 */
export function shQuote(text: string): string {
  if (text.includes('\0')) throw new ShellQuoteError('a word contains a NUL character');
  return `'${text.replace(/'/g, `'\\''`).replace(/\r\n/g, `\r''\n`)}'`;
}

const VARIABLE = /^[A-Z_][A-Z0-9_]*$/;
const FIXED_PREFIX = /^[A-Za-z0-9_=.:/-]*$/;

function renderWord(word: Word): string {
  if (typeof word === 'string') return shQuote(word);
  if (!VARIABLE.test(word.variable) || !FIXED_PREFIX.test(word.prefix ?? ''))
    throw new ShellQuoteError(`not a fixed expansion: ${JSON.stringify(word)}`);
  return `"${word.prefix ?? ''}\${${word.variable}}"`;
}

/** One command line: every word quoted (or a fixed "${VAR}" expansion), space-separated. */
export function renderCommand(words: readonly Word[]): string {
  return words.map(renderWord).join(' ');
}
