import { type OptionDef, scanArgv } from '../../kernel/argv.js';
import { usageError } from '../../kernel/errors.js';

/** bsub's command line, parsed (nothing checked against the host yet). */
export interface BsubArgs {
  /** -a values, in order (each may name several applications). */
  apps: string[];
  app?: string;
  queue?: string;
  group?: string;
  jobName?: string;
  out?: { path: string; overwrite: boolean };
  err?: { path: string; overwrite: boolean };
  /** -I, -Ip, -Is. */
  interactive?: 'I' | 'Ip' | 'Is';
  /** -K: wait for the job and exit with its status. */
  wait: boolean;
  /** -n: slots. */
  slots: number;
  /** -M as written. */
  memLimit?: string;
  /** -R values, joined by a space in order. */
  resReq: string[];
  gpu?: string;
  cwd?: string;
  env?: string;
  /** The command words, after the options (or after --). */
  command: string[];
  /** The hidden option of the detached job supervisor. */
  supervise?: string;
}

const VALUE_OPTIONS = [
  '-a',
  '-app',
  '-q',
  '-G',
  '-J',
  '-o',
  '-e',
  '-oo',
  '-eo',
  '-n',
  '-M',
  '-R',
  '-gpu',
  '-cwd',
  '-env',
];
const FLAG_OPTIONS = ['-I', '-Ip', '-Is', '-K'];
/** The hidden option of the detached job supervisor. */
const SUPERVISE = '--lsf-docker-supervise';

/** bsub's options, as the scanner's table: each keyed by its name. */
const BSUB_OPTIONS: OptionDef[] = [
  ...VALUE_OPTIONS.map((name): OptionDef => ({ key: name, names: [name], value: 'required' })),
  ...FLAG_OPTIONS.map((name): OptionDef => ({ key: name, names: [name], value: 'none' })),
  { key: SUPERVISE, names: [SUPERVISE], value: 'required' },
];

export const BSUB_USAGE = `Usage: lsf-docker [--config FILE] bsub [options] [--] COMMAND [ARGS...]

Options (as LSF's bsub): -a "app(args) ..."  -app NAME  -q QUEUE  -G GROUP  -J NAME[1-4]
  -o FILE  -e FILE  -oo FILE  -eo FILE  (%J job id, %I array index)
  -I  -Ip  -Is  -K  -n SLOTS  -M MEM  -R "rusage[mem=N] select[portNNNN=1]"  -gpu num=N
  -cwd DIR  -env "all|none|VAR,~VAR,VAR=value"`;

/**
 * Parses bsub's options up to the command. Options take their value from the next word (bsub
 * style, `-q normal`); parsing stops at `--` or at the first word that is not an option, and the
 * rest is the job's command, untouched.
 */
export function parseBsubArgs(argv: string[]): BsubArgs {
  const out: BsubArgs = { apps: [], wait: false, slots: 1, resReq: [], command: [] };
  const scan = scanArgv(argv, BSUB_OPTIONS, { inlineLong: true, unknown: 'fail' });
  if (!scan.ok) {
    const { kind, word } = scan.problem;
    if (kind === 'missing-value') throw usageError(`bsub ${word} needs a value`);
    throw usageError(`bsub: unknown option ${word}\n${BSUB_USAGE}`);
  }
  for (const { key, value } of scan.options) {
    if (key === SUPERVISE) out.supervise = value;
    else if (key === '-K') out.wait = true;
    else if (FLAG_OPTIONS.includes(key)) out.interactive = key.slice(1) as BsubArgs['interactive'];
    else set(out, key, value);
  }
  out.command = scan.rest;
  return out;
}

function set(out: BsubArgs, option: string, value: string): void {
  switch (option) {
    case '-a':
      out.apps.push(value);
      break;
    case '-app':
      out.app = value;
      break;
    case '-q':
      if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw usageError(`bsub -q "${value}": not a queue name`);
      out.queue = value;
      break;
    case '-G':
      out.group = value;
      break;
    case '-J':
      out.jobName = value;
      break;
    case '-o':
    case '-oo':
      out.out = { path: value, overwrite: option === '-oo' };
      break;
    case '-e':
    case '-eo':
      out.err = { path: value, overwrite: option === '-eo' };
      break;
    case '-n': {
      if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
        throw usageError(`bsub -n "${value}": not a number of slots`);
      out.slots = Number(value);
      break;
    }
    case '-M':
      out.memLimit = value;
      break;
    case '-R':
      out.resReq.push(value);
      break;
    case '-gpu':
      out.gpu = value;
      break;
    case '-cwd':
      out.cwd = value;
      break;
    case '-env':
      out.env = value;
      break;
  }
}

/** A job name with its array part: `name[1-4,7,10-20:5]%2`. */
export interface JobNameSpec {
  name: string;
  /** The array indexes, sorted and unique; undefined for a plain job. */
  indexes?: number[];
}

/** LSF's MAX_JOB_ARRAY_SIZE default. */
export const MAX_ARRAY_SIZE = 1000;

export function parseJobName(text: string): JobNameSpec {
  const m = /^([^[\]]*)\[([^\]]*)\](%\d+)?$/.exec(text);
  if (!m) {
    if (/[[\]]/.test(text)) throw usageError(`bsub -J "${text}": malformed job array (want NAME[1-4])`);
    return { name: text };
  }
  if (m[3]) throw usageError(`bsub -J "${text}": the %N running-element limit is not supported locally`);
  const indexes = new Set<number>();
  for (const part of m[2]!.split(',')) {
    const r = /^(\d{1,9})(?:-(\d{1,9})(?::(\d{1,9}))?)?$/.exec(part.trim());
    if (!r) throw usageError(`bsub -J "${text}": "${part}" is not INDEX, FIRST-LAST or FIRST-LAST:STEP`);
    const first = Number(r[1]);
    const last = r[2] === undefined ? first : Number(r[2]);
    const step = r[3] === undefined ? 1 : Number(r[3]);
    if (first < 1 || last < first || step < 1) {
      throw usageError(`bsub -J "${text}": "${part}": indexes start at 1 and ranges go upwards`);
    }
    for (let n = first; n <= last; n += step) {
      indexes.add(n);
      if (indexes.size > MAX_ARRAY_SIZE)
        throw usageError(`bsub -J "${text}": more than ${MAX_ARRAY_SIZE} elements`);
    }
  }
  return { name: m[1]!, indexes: [...indexes].sort((a, b) => a - b) };
}

/** -M / rusage sizes: a number in UNIT (KB for -M, MB for rusage mem, as LSF's defaults) or with a unit. */
export function parseLimit(text: string, defaultUnit: 'KB' | 'MB'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)B?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase() || defaultUnit[0]!;
  const factor = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }[unit] ?? 1;
  const bytes = Math.floor(Number(m[1]) * factor);
  return bytes > 0 ? bytes : undefined;
}

/** What the -R strings ask for that the local host allocates: memory (rusage) and ports (select). */
export function parseResReq(text: string): { memBytes?: number; ports: number[] } {
  const ports = new Set<number>();
  for (const m of text.matchAll(/\bport(\d{1,5})\s*==?\s*1\b/g)) ports.add(Number(m[1]));
  const mem = /\brusage\s*\[[^\]]*\bmem\s*=\s*([0-9.]+\s*[KMGTP]?B?)/i.exec(text);
  const memBytes = mem ? parseLimit(mem[1]!, 'MB') : undefined;
  return { memBytes, ports: [...ports].sort((a, b) => a - b) };
}

/** -gpu "num=N[:...]" -> N (default 1, as LSF); "-" means the default. */
export function parseGpuCount(text: string): number {
  if (text.trim() === '-') return 1;
  const m = /(?:^|:)num=(\d{1,3})(?::|$)/.exec(text.trim());
  if (!m) {
    if (/^[a-z_]+=[^:]*(?::[a-z_]+=[^:]*)*$/.test(text.trim())) return 1;
    throw usageError(`bsub -gpu "${text}": want num=N[:option=value...]`);
  }
  return Number(m[1]);
}

/** Replaces %J and %I in an -o/-e path. */
export function expandOutputPath(path: string, jobId: number, index: number): string {
  return path.replace(/%J/g, String(jobId)).replace(/%I/g, String(index));
}

/**
 * bsub -env: "all" (default), "none", or a comma list of VAR (submit the variable), ~VAR (leave it
 * out, with all) and VAR=value. LSB_* and LS_* variables are always submitted.
 */
export function applyEnvOption(
  submitEnv: Record<string, string>,
  option: string | undefined,
): Record<string, string> {
  if (option === undefined) return { ...submitEnv };
  const items = option
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const all = items.some((s) => s.toLowerCase() === 'all');
  const none = items.some((s) => s.toLowerCase() === 'none');
  if (none && items.length > 1) throw usageError('bsub -env: "none" cannot be combined with other entries');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(submitEnv)) {
    if (all || /^(LSB_|LS_)/.test(k)) out[k] = v;
  }
  for (const item of items) {
    if (/^(all|none)$/i.test(item)) continue;
    if (item.startsWith('~')) {
      delete out[item.slice(1)];
      continue;
    }
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw usageError(`bsub -env: "${item}" is not VAR, ~VAR or VAR=value`);
    if (eq >= 0) out[name] = item.slice(eq + 1);
    else if (submitEnv[name] !== undefined) out[name] = submitEnv[name]!;
  }
  return out;
}
