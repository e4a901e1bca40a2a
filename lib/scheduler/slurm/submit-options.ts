/**
 * bsub's options in Slurm's terms, each one mapped or refused by name: job arrays, -o/-e
 * patterns, sizes, -R sections, -gpu. Pure; a refusal is thrown as a Refusal, which
 * planSubmission (submit.ts) turns into a refused plan.
 */
import { expandArraySpec } from './hostlist.js';

export class Refusal extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

export const refuse = (option: string, message: string): never => {
  throw new Refusal(option, `bsub ${option}: ${message}. Job not submitted.`);
};

/** LSF's MAX_JOB_ARRAY_SIZE default (elements), as the local LSF. */
export const MAX_ARRAY_ELEMENTS = 1000;
/** The longest default job name (the command line) handed to Slurm. */
export const MAX_DEFAULT_NAME = 128;
export const PARTITION = /^[A-Za-z0-9_.-]{1,64}$/;

/** `name[1-3,7]%2` -> the name, Slurm's --array value and the indexes. */
export function parseArrayName(
  text: string,
  maxIndex = 1000,
): { name: string; array?: string; indexes?: number[] } {
  const m = /^([^[\]]*)\[([^\]]*)\](?:%(\d{1,6}))?$/.exec(text);
  if (!m) {
    if (/[[\]]/.test(text)) refuse(`-J "${text}"`, 'malformed job array (want NAME[1-4], NAME[1-10:2,15]%2)');
    return { name: text };
  }
  const parts = m[2]!.split(',').map((p) => p.trim());
  const normalized: string[] = [];
  for (const part of parts) {
    const r = /^(\d{1,9})(?:-(\d{1,9})(?::(\d{1,9}))?)?$/.exec(part);
    if (!r) refuse(`-J "${text}"`, `"${part}" is not INDEX, FIRST-LAST or FIRST-LAST:STEP`);
    const first = Number(r![1]);
    const last = r![2] === undefined ? first : Number(r![2]);
    const step = r![3] === undefined ? 1 : Number(r![3]);
    if (first < 1 || last < first || step < 1)
      refuse(`-J "${text}"`, `"${part}": indexes start at 1 and ranges go upwards`);
    if (last > maxIndex) refuse(`-J "${text}"`, `index ${last} is above this cluster's limit ${maxIndex}`);
    normalized.push(
      r![2] === undefined
        ? `${first}`
        : r![3] === undefined
          ? `${first}-${last}`
          : `${first}-${last}:${step}`,
    );
  }
  const spec = normalized.join(',');
  const indexes = expandArraySpec(spec, MAX_ARRAY_ELEMENTS);
  if (!indexes) refuse(`-J "${text}"`, `more than ${MAX_ARRAY_ELEMENTS} elements`);
  const limit = m[3] === undefined ? undefined : Number(m[3]);
  if (limit !== undefined && limit < 1) refuse(`-J "${text}"`, 'the %N limit must be at least 1');
  return { name: m[1]!, array: limit === undefined ? spec : `${spec}%${limit}`, indexes };
}

/**
 * An -o/-e path in Slurm's pattern syntax: %J -> %A (array) or %j, %I -> %a (array) or 0, every
 * other % doubled (Slurm would expand %u, %x, %N ...). A backslash is refused (it turns all of
 * Slurm's patterns off); a path ending in / is LSF's directory form (DIR/%J.out, DIR/%J_%I.out).
 */
export function slurmOutputPath(option: string, path: string, array: boolean, suffix: string): string {
  if (path === '') refuse(option, 'empty file name');
  if (path.includes('\\'))
    refuse(`${option} "${path}"`, "a backslash turns off Slurm's %-patterns; not supported");
  if (path.includes('\0') || path.includes('\n')) refuse(option, 'the file name contains a NUL or newline');
  const lsf = path.endsWith('/') ? `${path}${array ? '%J_%I' : '%J'}.${suffix}` : path;
  let out = '';
  for (let i = 0; i < lsf.length; i++) {
    const c = lsf[i]!;
    const next = lsf[i + 1];
    if (c === '%' && next === 'J') {
      out += array ? '%A' : '%j';
      i++;
    } else if (c === '%' && next === 'I') {
      out += array ? '%a' : '0';
      i++;
    } else out += c === '%' ? '%%' : c;
  }
  return out;
}

/** A size as -M writes it: N (in DEFAULT_UNIT) or N with K/M/G/T/P[B] -> bytes; undefined if not a size. */
export function parseSize(text: string, defaultUnit: 'K' | 'M'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)B?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase() || defaultUnit;
  const factor = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 }[unit] ?? 1;
  const bytes = Math.floor(Number(m[1]) * factor);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Slurm's --mem value: whole MB, rounded up (Slurm keeps memory in MB). */
export const slurmMem = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2)}M`;

interface ResReq {
  memBytes?: number;
  oneHost: boolean;
  ptile?: number;
}

/** The -R sections Slurm can honour; any other section is refused by name. */
export function parseResReqForSlurm(texts: readonly string[]): ResReq {
  const out: ResReq = { oneHost: false };
  for (const text of texts) {
    const option = `-R "${text}"`;
    let rest = text.trim();
    while (rest !== '') {
      const m = /^([a-z]+)\s*\[([^\]]*)\]\s*/.exec(rest);
      if (!m) refuse(option, `"${rest}" is not a section such as rusage[mem=N] or span[hosts=1]`);
      const [whole, section, body] = m!;
      rest = rest.slice(whole!.length);
      const inner = body!.trim();
      if (section === 'rusage') {
        for (const item of inner.split(/[,:]/).map((s) => s.trim())) {
          const kv = /^mem\s*=\s*([0-9.]+\s*[KMGTP]?B?)$/i.exec(item);
          if (!kv) refuse(option, `rusage "${item}": only mem=N (MB) maps to Slurm (--mem)`);
          out.memBytes = parseSize(kv![1]!, 'M') ?? refuse(option, `rusage "${item}": not a size`);
        }
      } else if (section === 'span') {
        const hosts = /^hosts\s*=\s*1$/.exec(inner);
        const ptile = /^ptile\s*=\s*(\d{1,6})$/.exec(inner);
        if (hosts) out.oneHost = true;
        else if (ptile && Number(ptile[1]) > 0) out.ptile = Number(ptile[1]);
        else refuse(option, `span[${inner}]: only span[hosts=1] and span[ptile=N] map to Slurm`);
      } else if (section === 'select') {
        if (!/^(?:type\s*==?\s*(?:any|local))?$/.test(inner))
          refuse(option, `select[${inner}]: host selection does not map to Slurm (use -q PARTITION)`);
      } else if (section !== 'order') {
        refuse(option, `${section}[...] does not map to Slurm`);
      }
    }
  }
  return out;
}

/** -gpu "num=N" -> N; "-" is LSF's default (1). Other GPU options have no Slurm equivalent here. */
export function parseGpuNum(text: string): number {
  const t = text.trim();
  if (t === '-') return 1;
  let num = 1;
  for (const item of t.split(':')) {
    const m = /^num=(\d{1,3})$/.exec(item);
    if (m) num = Number(m[1]);
    else refuse(`-gpu "${text}"`, `"${item}" has no Slurm equivalent (only num=N maps to --gres=gpu:N)`);
  }
  if (num < 1) refuse(`-gpu "${text}"`, 'num must be at least 1');
  return num;
}
