/**
 * Slurm's compact lists, expanded as `scontrol show hostnames` and the SLURM_*_PER_NODE variables
 * do. Pure; every function returns undefined for text it does not understand, never a guess.
 */

/** More hosts than any real allocation: a bound against lists like `n[1-999999999]`. */
export const MAX_HOSTS = 65536;

const NAME_PART = /^[A-Za-z0-9_.-]*$/;

/** Splits at the commas outside brackets. */
function topLevelItems(text: string): string[] | undefined {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  items.push(text.slice(start));
  return items;
}

/** `1-3,07,9-10` -> the numbers as written (zero padding kept). */
function expandRanges(text: string, limit: number): string[] | undefined {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part);
    if (!m) return undefined;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || out.length + (last - first + 1) > limit) return undefined;
    const width = m[1]!.length;
    for (let n = first; n <= last; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}

/**
 * `n[1-3,7],gpu[08-11],r[1-2]n[01-02],login` -> every host name in order (brackets in one name
 * multiply, as Slurm's). Undefined for a malformed list or more than MAX_HOSTS names.
 */
export function expandHostlist(text: string): string[] | undefined {
  if (text.trim() === '') return [];
  const items = topLevelItems(text.trim());
  if (!items) return undefined;
  const hosts: string[] = [];
  for (const item of items) {
    if (item === '') return undefined;
    let names = [''];
    const pieces = item.split(/(\[[^\]]*\])/).filter((p) => p !== '');
    for (const piece of pieces) {
      if (piece.startsWith('[')) {
        const nums = expandRanges(piece.slice(1, -1), MAX_HOSTS);
        if (!nums || names.length * nums.length + hosts.length > MAX_HOSTS) return undefined;
        names = names.flatMap((n) => nums.map((x) => n + x));
      } else {
        if (!NAME_PART.test(piece)) return undefined;
        names = names.map((n) => n + piece);
      }
    }
    if (names.some((n) => n === '')) return undefined;
    hosts.push(...names);
  }
  return hosts;
}

/** `2(x3),1` (SLURM_JOB_CPUS_PER_NODE, SLURM_TASKS_PER_NODE) -> [2, 2, 2, 1]. */
export function expandCounts(text: string): number[] | undefined {
  if (text.trim() === '') return undefined;
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d{1,9})(?:\(x(\d{1,6})\))?$/.exec(part);
    if (!m) return undefined;
    const times = m[2] === undefined ? 1 : Number(m[2]);
    if (times < 1 || out.length + times > MAX_HOSTS) return undefined;
    for (let i = 0; i < times; i++) out.push(Number(m[1]));
  }
  return out;
}

/**
 * An array spec: `1-3,5,7-11:2` with an optional `%N` limit (squeue's array_task_string,
 * sbatch --array) -> the indexes in order, unique. Undefined when malformed or above LIMIT.
 */
export function expandArraySpec(text: string, limit = 1_000_000): number[] | undefined {
  const spec = text.replace(/%\d+$/, '');
  if (spec === '') return undefined;
  const seen = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9})(?::(\d{1,9}))?)?$/.exec(part);
    if (!m) return undefined;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    if (last < first || step < 1) return undefined;
    for (let n = first; n <= last; n += step) {
      seen.add(n);
      if (seen.size > limit) return undefined;
    }
  }
  return [...seen].sort((a, b) => a - b);
}
