import { type OptionDef, scanArgv } from '../../kernel/argv.js';
import { usageError } from '../../kernel/errors.js';
import { type ScannedOptions, scriptDirectives, UNSUPPORTED_OPTIONS } from './bsub-script.js';

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
  /** -W as written: [hour:]minute. */
  runLimit?: string;
  /** -w: the dependency expression. */
  dependency?: string;
  /** -P, -g: project and job group. */
  project?: string;
  jobGroup?: string;
  /** -E, -Ep: pre- and post-execution commands. */
  preExec?: string;
  postExec?: string;
  /** -B, -N, -u: mail at the start, at the end, and to whom. */
  mailBegin?: boolean;
  mailEnd?: boolean;
  mailUser?: string;
  /** -m: the hosts the job may run on. */
  hosts?: string;
  /** -x: exclusive use of the host. */
  exclusive?: boolean;
  /** -b as written: the begin time. */
  beginTime?: string;
  /** -i: the job's standard input. */
  input?: string;
  /** -outdir: where relative -o/-e files go. */
  outdir?: string;
  /** -H: held at submission (PSUSP). */
  hold?: boolean;
  /** -tty: interactive output on the terminal (always so locally). */
  tty?: boolean;
  /** -r / -rn: rerunnable (requeued when its host's dispatcher was lost while it ran). */
  rerunnable?: boolean;
  /** The command words, after the options (or after --). */
  command: string[];
}

const VALUE_OPTIONS =
  '-a -app -q -G -J -o -e -oo -eo -n -M -R -gpu -cwd -env -W -w -P -g -E -Ep -u -m -b -i -outdir'.split(' ');
const FLAG_OPTIONS = '-I -Ip -Is -K -B -N -x -H -tty -r -rn'.split(' ');
/** bsub's options, as the scanner's table: each keyed by its name. */
const BSUB_OPTIONS: OptionDef[] = [
  ...VALUE_OPTIONS.map((name): OptionDef => ({ key: name, names: [name], value: 'required' })),
  ...FLAG_OPTIONS.map((name): OptionDef => ({ key: name, names: [name], value: 'none' })),
];

export const BSUB_USAGE = `Usage: bsub [options] [--] COMMAND [ARGS...]   or   bsub [options] < SCRIPT

Options (as LSF's bsub; values attached or apart: -n4, -n 4): -a "app(args) ..."  -app NAME
  -q QUEUE  -G GROUP  -g JOB_GROUP  -P PROJECT  -J NAME[1-4]%N  -o FILE  -e FILE  -oo FILE
  -eo FILE  -outdir DIR  -i FILE  (%J job id, %I array index)  -I  -Ip  -Is  -tty  -K  -H  -x
  -n SLOTS  -M MEM  -W [HOURS:]MINUTES  -R "rusage[mem=N] select[portNNNN=1] span[hosts=1]"
  -gpu num=N  -cwd DIR  -env "all|none|VAR,~VAR,VAR=value"  -w 'done(ID)&&ended(NAME)'
  -b [[MM:]DD:]HH:MM  -E CMD  -Ep CMD  -m HOST  -B  -N  -u MAIL  -r  -rn
SCRIPT lines "#BSUB -opt value" before its first command are options too (the command line wins).`;

/**
 * Scans bsub's options up to the command: values from the next word or attached to a one-letter
 * option (-n4, -M4000, -Jname); parsing stops at `--` or at the first word that is not an option,
 * and the rest is the job's command, untouched.
 */
export function scanBsubOptions(argv: string[], where = 'bsub'): { options: ScannedOptions; rest: string[] } {
  const scan = scanArgv(argv, BSUB_OPTIONS, { inlineLong: false, attachedShort: true, unknown: 'fail' });
  if (!scan.ok) {
    const { kind, word, written } = scan.problem;
    if (kind === 'missing-value') throw usageError(`${where} ${word} needs a value`);
    if (kind === 'attached-flag') throw usageError(`${where} ${word}: ${written} takes no value`);
    const name = UNSUPPORTED_OPTIONS.includes(word)
      ? word
      : UNSUPPORTED_OPTIONS.includes(written)
        ? written
        : '';
    if (name) throw usageError(`${where} ${name}: not supported by the local LSF (refused, not ignored)`);
    throw usageError(`${where}: unknown option ${word}\n${BSUB_USAGE}`);
  }
  return { options: scan.options.map(({ key, value }) => ({ key, value })), rest: scan.rest };
}

/** Parses bsub's command line (with no job script). */
export function parseBsubArgs(argv: string[]): BsubArgs {
  const { options, rest } = scanBsubOptions(argv);
  return bsubArgsOf(options, rest);
}

/** The BsubArgs of scanned OPTIONS and the command words REST. */
export function bsubArgsOf(options: ScannedOptions, rest: string[]): BsubArgs {
  const out: BsubArgs = { apps: [], wait: false, slots: 1, resReq: [], command: rest };
  for (const { key, value } of options) {
    if (FLAG_OPTIONS.includes(key)) setFlag(out, key);
    else set(out, key, value);
  }
  if (out.tty && !out.interactive) throw usageError('bsub -tty: only with -I, -Ip or -Is');
  return out;
}

function setFlag(out: BsubArgs, option: string): void {
  if (option === '-K') out.wait = true;
  else if (option === '-B') out.mailBegin = true;
  else if (option === '-N') out.mailEnd = true;
  else if (option === '-x') out.exclusive = true;
  else if (option === '-H') out.hold = true;
  else if (option === '-tty') out.tty = true;
  else if (option === '-r' || option === '-rn') out.rerunnable = option === '-r';
  else out.interactive = option.slice(1) as BsubArgs['interactive'];
}

const TEXT_FIELDS: Record<string, keyof BsubArgs> = {
  '-app': 'app',
  '-G': 'group',
  '-J': 'jobName',
  '-M': 'memLimit',
  '-gpu': 'gpu',
  '-cwd': 'cwd',
  '-env': 'env',
  '-W': 'runLimit',
  '-w': 'dependency',
  '-P': 'project',
  '-g': 'jobGroup',
  '-E': 'preExec',
  '-Ep': 'postExec',
  '-u': 'mailUser',
  '-m': 'hosts',
  '-b': 'beginTime',
  '-i': 'input',
  '-outdir': 'outdir',
};

function set(out: BsubArgs, option: string, value: string): void {
  const field = TEXT_FIELDS[option];
  if (field) (out as unknown as Record<string, string>)[field] = value;
  else if (option === '-a') out.apps.push(value);
  else if (option === '-R') out.resReq.push(value);
  else if (option === '-q') {
    if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw usageError(`bsub -q "${value}": not a queue name`);
    out.queue = value;
  } else if (option === '-o' || option === '-oo') out.out = { path: value, overwrite: option === '-oo' };
  else if (option === '-e' || option === '-eo') out.err = { path: value, overwrite: option === '-eo' };
  else if (option === '-n') {
    if (!/^\d{1,6}$/.test(value) || Number(value) < 1)
      throw usageError(`bsub -n "${value}": not a number of slots`);
    out.slots = Number(value);
  }
}

/** A job name with its array part: `name[1-4,7,10-20:5]%2`. */
export interface JobNameSpec {
  name: string;
  /** The array indexes, sorted and unique; undefined for a plain job. */
  indexes?: number[];
  /** %N: at most N elements run at once. */
  limit?: number;
  /** LSB_JOBINDEX_STEP: the step of a single FIRST-LAST:STEP range, else 1. */
  step?: number;
}

/** LSF's MAX_JOB_ARRAY_SIZE default. */
export const MAX_ARRAY_SIZE = 1000;

export function parseJobName(text: string): JobNameSpec {
  const m = /^([^[\]]*)\[([^\]]*)\](?:%(\d{1,6}))?$/.exec(text);
  if (!m) {
    if (/[[\]]/.test(text))
      throw usageError(`bsub -J "${text}": malformed job array (want NAME[1-4] or NAME[1-4]%2)`);
    return { name: text };
  }
  const indexes = new Set<number>();
  const parts = m[2]!.split(',');
  let step = 1;
  for (const part of parts) {
    const r = /^(\d{1,9})(?:-(\d{1,9})(?::(\d{1,9}))?)?$/.exec(part.trim());
    if (!r) throw usageError(`bsub -J "${text}": "${part}" is not INDEX, FIRST-LAST or FIRST-LAST:STEP`);
    const first = Number(r[1]);
    const last = r[2] === undefined ? first : Number(r[2]);
    step = r[3] === undefined ? 1 : Number(r[3]);
    if (first < 1 || last < first || step < 1) {
      throw usageError(`bsub -J "${text}": "${part}": indexes start at 1 and ranges go upwards`);
    }
    for (let n = first; n <= last; n += step) {
      indexes.add(n);
      if (indexes.size > MAX_ARRAY_SIZE)
        throw usageError(`bsub -J "${text}": more than ${MAX_ARRAY_SIZE} elements`);
    }
  }
  const limit = m[3] === undefined ? undefined : Number(m[3]);
  if (limit === 0) throw usageError(`bsub -J "${text}": %0 would never run an element`);
  const sorted = [...indexes].sort((a, b) => a - b);
  return { name: m[1]!, indexes: sorted, limit, step: parts.length === 1 ? step : 1 };
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

/** The options of a job script's #BSUB lines; a line with anything but options is refused, naming it. */
export function directiveOptions(script: string): ScannedOptions {
  const out: ScannedOptions = [];
  for (const [line, words] of scriptDirectives(script)) {
    const { options, rest } = scanBsubOptions(words, `bsub: job script line ${line}:`);
    if (rest.length > 0)
      throw usageError(`bsub: job script line ${line}: "${rest.join(' ')}" is not a bsub option`);
    out.push(...options);
  }
  return out;
}
