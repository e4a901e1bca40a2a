/**
 * The one argv scanner: a program's options are a table, and scanning stops at `--` or at the
 * first word that is not one of them, so the words after (a job's command, docker build's
 * context) are never eaten. Each program keeps its own table and its own messages (bsub,
 * docker_build, the job starters); the scanner only says what was written. Pure.
 */

/** What an option takes: nothing (a switch), a value, or an optional =true / =false. */
export type OptionValue = 'none' | 'required' | 'bool';

export interface OptionDef<K extends string = string> {
  key: K;
  /** As written: '-q', '--config', '-t'. */
  names: readonly string[];
  value: OptionValue;
  /** Scanning ends after this option (--help, --version): the rest is not looked at. */
  stop?: boolean;
}

export interface ScanStyle {
  /** --name=value (and --flag=true|false for 'bool'). */
  inlineLong?: boolean;
  /** -Xvalue and -X=value for one-letter names. */
  attachedShort?: boolean;
  /** What an unknown word that looks like an option does: fail, or end the options. */
  unknown: 'fail' | 'stop';
  /** Which words look like options (default: starting with '-', but not '-' alone). */
  optionLike?: (word: string) => boolean;
}

export interface ScannedOption<K extends string = string> {
  key: K;
  /** The option's name as written, e.g. '-f' or '--file'. */
  written: string;
  /** The value; 'true' or 'false' for a switch. */
  value: string;
}

export interface ScanProblem {
  kind: 'unknown' | 'missing-value' | 'bad-flag-value' | 'attached-flag';
  /** The whole word. */
  word: string;
  /** The option's name as written (without an inline value). */
  written: string;
  /** The inline value of a bad switch value. */
  inline?: string;
}

export type Scan<K extends string = string> =
  | { ok: true; options: ScannedOption<K>[]; rest: string[]; stoppedBy?: K }
  | { ok: false; problem: ScanProblem };

const defaultOptionLike = (word: string) => word.startsWith('-') && word !== '-';

interface Match<K extends string> {
  def?: OptionDef<K>;
  written: string;
  inline?: string;
}

function match<K extends string>(
  word: string,
  byName: Map<string, OptionDef<K>>,
  style: ScanStyle,
): Match<K> {
  const exact = byName.get(word);
  if (exact) return { def: exact, written: word };
  if (style.inlineLong && word.startsWith('--') && word.includes('=')) {
    const eq = word.indexOf('=');
    return { def: byName.get(word.slice(0, eq)), written: word.slice(0, eq), inline: word.slice(eq + 1) };
  }
  if (style.attachedShort && /^-[^-]/.test(word) && word.length > 2) {
    const rest = word.slice(2);
    const written = word.slice(0, 2);
    return { def: byName.get(written), written, inline: rest.startsWith('=') ? rest.slice(1) : rest };
  }
  if (word.startsWith('--') && word.includes('=')) return { written: word.slice(0, word.indexOf('=')) };
  return { written: /^-[^-]/.test(word) && style.attachedShort ? word.slice(0, 2) : word };
}

function optionValue(
  def: OptionDef,
  m: Match<string>,
  word: string,
  next: () => string | undefined,
): string | ScanProblem {
  const problem = (kind: ScanProblem['kind']): ScanProblem => ({
    kind,
    word,
    written: m.written,
    inline: m.inline,
  });
  if (def.value === 'required') return m.inline ?? next() ?? problem('missing-value');
  const attached = m.inline !== undefined && !word.startsWith('--');
  if (attached) return problem('attached-flag');
  if (m.inline === undefined) return 'true';
  if (def.value === 'none') return problem('bad-flag-value');
  const v = m.inline.toLowerCase();
  if (v === 'true' || v === '1') return 'true';
  if (v === 'false' || v === '0') return 'false';
  return problem('bad-flag-value');
}

export function scanArgv<K extends string>(
  words: readonly string[],
  table: readonly OptionDef<K>[],
  style: ScanStyle,
): Scan<K> {
  const byName = new Map<string, OptionDef<K>>(table.flatMap((d) => d.names.map((n) => [n, d] as const)));
  const optionLike = style.optionLike ?? defaultOptionLike;
  const options: ScannedOption<K>[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') return { ok: true, options, rest: words.slice(i + 1) };
    const m = match(word, byName, style);
    if (!m.def) {
      if (!optionLike(word) || style.unknown === 'stop') break;
      return { ok: false, problem: { kind: 'unknown', word, written: m.written } };
    }
    const value = optionValue(m.def, m, word, () => words[++i]);
    if (typeof value !== 'string') return { ok: false, problem: value };
    options.push({ key: m.def.key, written: m.written, value });
    if (m.def.stop) return { ok: true, options, rest: words.slice(i + 1), stoppedBy: m.def.key };
  }
  return { ok: true, options, rest: words.slice(i) };
}
