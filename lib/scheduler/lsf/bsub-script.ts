import { usageError } from '../../kernel/errors.js';

/** bsub options as scanned, in order. */
export type ScannedOptions = Array<{ key: string; value: string }>;

/**
 * LSF's bsub options the local LSF does not carry out: refused by name (a job must never run
 * without what its submitter asked for), never ignored.
 */
export const UNSUPPORTED_OPTIONS = [
  '-ar',
  '-C',
  '-c',
  '-clusters',
  '-D',
  '-data',
  '-datagrp',
  '-ext',
  '-F',
  '-f',
  '-hl',
  '-is',
  '-jsdl',
  '-jsdl_strict',
  '-k',
  '-L',
  '-Lp',
  '-network',
  '-p',
  '-pack',
  '-Q',
  '-rnc',
  '-S',
  '-s',
  '-sla',
  '-sp',
  '-stage',
  '-T',
  '-t',
  '-ti',
  '-U',
  '-ul',
  '-v',
  '-wa',
  '-wt',
  '-We',
  '-XF',
  '-Zs',
  '-eptl',
  '-ptl',
  '-freq',
  '-alloc_flags',
  '-cn_cu',
  '-cn_mem',
  '-core_isolation',
  '-csm',
  '-nnodes',
  '-smt',
  '-step_cgroup',
  '-json',
  '-yaml',
  '-env_file',
  '-Jd',
  '-M_soft',
  '-notify',
  '-pt',
  '-rcacct',
  '-app_res',
];

const REPEATED = new Set(['-a', '-R']);

/**
 * The options of a job script's #BSUB lines (DIRECTIVES) and of the command line (COMMAND),
 * merged: an option given on the command line replaces the script's (-a and -R as a whole).
 */
export function mergeOptions(directives: ScannedOptions, command: ScannedOptions): ScannedOptions {
  const given = new Set(command.map((o) => o.key));
  const same = (a: string, b: string) =>
    a === b ||
    (['-o', '-oo'].includes(a) && ['-o', '-oo'].includes(b)) ||
    (['-e', '-eo'].includes(a) && ['-e', '-eo'].includes(b));
  const kept = directives.filter(
    (o) => ![...given].some((g) => same(g, o.key) || (REPEATED.has(o.key) && g === o.key)),
  );
  return [...kept, ...command];
}

/** Splits a #BSUB line's text into words as a shell would: spaces apart, '...' and "..." kept whole. */
export function splitDirective(text: string, line: number): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && /["\\$`]/.test(text[i + 1] ?? '')) word += text[++i]!;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '\\' && i + 1 < text.length) word = (word ?? '') + text[++i]!;
    else word = (word ?? '') + c;
  }
  if (quote) throw usageError(`bsub: job script line ${line}: unterminated ${quote}`);
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The #BSUB lines of a job script, as LSF reads them: from the start of the script up to its first
 * command (blank lines, the #! line and other comments are passed over); each as [line, words].
 */
export function scriptDirectives(text: string): Array<[number, string[]]> {
  const out: Array<[number, string[]]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '') continue;
    const m = /^#BSUB(?:\s+(.*))?$/.exec(t);
    if (m) out.push([i + 1, splitDirective(m[1] ?? '', i + 1)]);
    else if (!t.startsWith('#')) break;
  }
  return out;
}
