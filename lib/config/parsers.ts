/** How each config value is parsed: one function per kind of value, failing with ConfigValueError. */
import { parseAbsolutePath } from '../kernel/grammar/path.js';
import { parseSize } from '../kernel/grammar/size.js';
import { parseBool } from '../kernel/grammar/words.js';
import { type LogLevel, parseLogLevel } from '../kernel/log/levels.js';
import { CAPABILITIES } from './capabilities.js';
import { type MountSpec, parseMountSpec } from './mount-spec.js';

export type Parse<T> = (raw: unknown, key: string) => T;
export class ConfigValueError extends Error {}
export const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

export const str: Parse<string> = (raw) =>
  typeof raw === 'string'
    ? raw.trim()
    : typeof raw === 'boolean'
      ? String(raw)
      : fail('must be a single value');
export const list: Parse<string[]> = (raw) =>
  Array.isArray(raw)
    ? raw.map((v) => String(v).trim()).filter((v) => v !== '')
    : fail('must be a list: write KEY[] = VALUE, one per line');
export const bool: Parse<boolean> = (raw) => {
  const b = typeof raw === 'boolean' ? raw : parseBool(str(raw, ''));
  return b ?? fail('must be true or false');
};
export const int =
  (min: number, max: number): Parse<number> =>
  (raw) => {
    const text = str(raw, '');
    if (!/^\d+$/.test(text)) return fail(`must be a whole number from ${min} to ${max}`);
    const n = Number(text);
    return n >= min && n <= max ? n : fail(`must be a whole number from ${min} to ${max}`);
  };
export const seconds =
  (max: number): Parse<number> =>
  (raw) => {
    const text = str(raw, '');
    const n = Number(text);
    return /^\d+(\.\d+)?$/.test(text) && n > 0 && n <= max
      ? n
      : fail(`must be a number of seconds, above 0 and at most ${max}`);
  };
export const oneOf =
  <T extends string>(...values: T[]): Parse<T> =>
  (raw) => {
    const text = str(raw, '').toLowerCase();
    return (values as string[]).includes(text) ? (text as T) : fail(`must be one of ${values.join(', ')}`);
  };
export const absPath: Parse<string> = (raw) => {
  const parsed = parseAbsolutePath(str(raw, ''));
  return parsed.ok ? parsed.path : fail(parsed.reason);
};
export const optionalAbsPath: Parse<string | undefined> = (raw, key) => {
  const s = str(raw, key);
  return s === '' ? undefined : absPath(s, key);
};
export const absPaths: Parse<string[]> = (raw, key) => list(raw, key).map((v) => absPath(v, key));
export const size: Parse<number | undefined> = (raw) => {
  const text = str(raw, '');
  if (text === '') return undefined;
  return parseSize(text) ?? fail('must be a size such as 4096m or 4g');
};
export const capabilities: Parse<string[]> = (raw, key) =>
  list(raw, key).map((cap) => {
    const name = cap.toUpperCase().replace(/^CAP_/, '');
    return CAPABILITIES.has(name) ? name : fail(`"${cap}" is not a Linux capability`);
  });
export const ulimits: Parse<string[]> = (raw, key) =>
  list(raw, key).map((u) =>
    /^[a-z]+=-?\d+(:-?\d+)?$/.test(u) ? u : fail(`"${u}" is not NAME=SOFT[:HARD] (e.g. memlock=-1)`),
  );
export const portRange: Parse<[number, number]> = (raw) => {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(str(raw, ''));
  const [a, b] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  return m && a >= 1 && a <= b && b <= 65535 ? [a, b] : fail('must be FIRST-LAST, e.g. 8000-8999');
};
export const regexps: Parse<string[]> = (raw, key) =>
  list(raw, key).map((re) => {
    try {
      new RegExp(`^(?:${re})$`);
      return re;
    } catch {
      return fail(`"${re}" is not a regular expression`);
    }
  });
export const mounts: Parse<MountSpec[]> = (raw, key) =>
  list(raw, key).map((text) => {
    const parsed = parseMountSpec(text);
    return parsed.ok ? parsed.mount : fail(parsed.reason);
  });
/** Device nodes: absolute paths under /dev. */
export const devicePaths: Parse<string[]> = (raw, key) =>
  absPaths(raw, key).map((p) => (p.startsWith('/dev/') ? p : fail(`"${p}" is not a device node under /dev`)));
/** Variable names (letters, digits, _; not starting with a digit). */
export const envNames: Parse<string[]> = (raw, key) =>
  list(raw, key).map((n) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : fail(`"${n}" is not a variable name`)));
export const registries: Parse<string[]> = (raw, key) => list(raw, key);
export const logLevel: Parse<LogLevel> = (raw) =>
  parseLogLevel(str(raw, '')) ?? fail('must be CRITICAL, ERROR, WARNING, INFO or DEBUG');
export const optionalStr: Parse<string | undefined> = (raw, key) => {
  const s = str(raw, key);
  return s === '' ? undefined : s;
};
export const dockerHost: Parse<string | undefined> = (raw, key) => {
  const s = optionalStr(raw, key);
  if (s === undefined) return undefined;
  return /^(unix:\/\/\/\S+|tcp:\/\/\S+|ssh:\/\/\S+)$/.test(s)
    ? s
    : fail('must be unix:///PATH, tcp://HOST:PORT or ssh://HOST');
};
export const binary: Parse<string> = (raw, key) => {
  const s = str(raw, key);
  return /^[^\s]+$/.test(s) && (s.startsWith('/') || !s.includes('/'))
    ? s
    : fail('must be an absolute path or a command name on PATH');
};
