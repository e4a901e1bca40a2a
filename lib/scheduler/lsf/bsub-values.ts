import { usageError } from '../../kernel/errors.js';

/** bsub -W [HOURS:]MINUTES: the run limit in seconds (a /HOST suffix is refused). Pure. */
export function parseRunLimit(text: string): number {
  const m = /^(?:(\d{1,6}):)?(\d{1,8})$/.exec(text.trim());
  if (!m) throw usageError(`bsub -W "${text}": want [HOURS:]MINUTES (e.g. 90 or 1:30)`);
  const seconds = (Number(m[1] ?? 0) * 60 + Number(m[2])) * 60;
  if (seconds <= 0) throw usageError(`bsub -W "${text}": the run limit must be above 0`);
  return seconds;
}

/**
 * bsub -b [[[YEAR:]MONTH:]DAY:]HOUR:MINUTE: the first such time from NOW (a field left out is
 * the current one, moved on when the time would be past: 09:00 after nine is tomorrow's). Pure.
 */
export function parseBeginTime(text: string, now: number): number {
  const parts = text.trim().split(':');
  const bad = () => usageError(`bsub -b "${text}": want [[[YEAR:]MONTH:]DAY:]HOUR:MINUTE`);
  if (parts.length < 2 || parts.length > 5 || parts.some((p) => !/^\d{1,4}$/.test(p))) throw bad();
  const [minute, hour, day, month, year] = parts.map(Number).reverse() as Array<number | undefined>;
  const n = new Date(now);
  if (
    minute! > 59 ||
    hour! > 23 ||
    (day !== undefined && (day < 1 || day > 31)) ||
    (month !== undefined && (month < 1 || month > 12))
  )
    throw bad();
  const at = (add: { d?: number; m?: number; y?: number }) =>
    new Date(
      (year ?? n.getFullYear()) + (add.y ?? 0),
      (month !== undefined ? month - 1 : n.getMonth()) + (add.m ?? 0),
      (day ?? n.getDate()) + (add.d ?? 0),
      hour,
      minute,
    ).getTime();
  const t = at({});
  if (t >= now) return t;
  if (day === undefined) return at({ d: 1 });
  if (month === undefined) return at({ m: 1 });
  if (year === undefined) return at({ y: 1 });
  return t;
}

/** bsub -m "host1 host2 ...": whether THIS host (short name) may run the job (`all` and `others` do). Pure. */
export function hostsAllow(text: string, thisHost: string): boolean {
  const short = (h: string) => h.replace(/[!+]\d*$/, '').split('.')[0];
  return text
    .split(/\s+/)
    .filter(Boolean)
    .some((h) => ['all', 'others', 'localhost'].includes(h) || short(h) === thisHost);
}
