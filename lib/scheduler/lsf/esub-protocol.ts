/**
 * LSF's esub protocol, as pure functions: the parameter file LSF writes (LSB_SUB_PARM_FILE), the
 * modify files an esub writes (LSB_SUB_MODIFY_FILE, LSB_SUB_MODIFY_ENVFILE), and the `-a` value
 * (`app1(arg,arg) app2`), which LSF also hands over as LSB_SUB_ADDITIONAL.
 */
import { ExitCode, Status } from '../../kernel/exit-codes.js';

/** LSF's LSB_SUB_ABORT_VALUE: an esub that exits with it rejects the submission. */
export const DEFAULT_ABORT_VALUE: number = ExitCode.ESUB_ABORT;

export interface AppSpec {
  name: string;
  args: string[];
}

const APP_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Parses a `-a` value: applications separated by white space, each `name` or `name(arg,arg,...)`.
 * Arguments are split on commas and trimmed; they may hold spaces ("var2 is a string").
 */
export function parseAppSpecs(text: string): { ok: true; apps: AppSpec[] } | { ok: false; reason: string } {
  const apps: AppSpec[] = [];
  let i = 0;
  const s = text;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let j = i;
    while (j < s.length && !/[\s(]/.test(s[j]!)) j++;
    const name = s.slice(i, j);
    if (!APP_NAME.test(name)) {
      return { ok: false, reason: `"${name}" is not an application name (letters, digits, _ and - only)` };
    }
    let args: string[] = [];
    if (s[j] === '(') {
      const close = s.indexOf(')', j);
      if (close < 0) return { ok: false, reason: `"${s.slice(i)}": missing ")"` };
      const inner = s.slice(j + 1, close);
      if (inner.includes('(')) return { ok: false, reason: `"${s.slice(i, close + 1)}": nested "("` };
      args = inner.trim() === '' ? [] : inner.split(',').map((a) => a.trim());
      j = close + 1;
      if (j < s.length && !/\s/.test(s[j]!)) {
        return { ok: false, reason: `"${s.slice(i)}": expected white space after ")"` };
      }
    }
    apps.push({ name, args });
    i = j;
  }
  return { ok: true, apps };
}

/** Formats applications back into a `-a` value. */
export function formatAppSpecs(apps: AppSpec[]): string {
  return apps.map((a) => (a.args.length ? `${a.name}(${a.args.join(',')})` : a.name)).join(' ');
}

/** The arguments of application NAME in a `-a` value, or undefined when it is not named there. */
export function appArgs(additional: string | undefined, name: string): string[] | undefined {
  if (!additional) return undefined;
  const parsed = parseAppSpecs(additional);
  if (!parsed.ok) return undefined;
  return parsed.apps.find((a) => a.name === name)?.args;
}

/** Quotes a value the way LSF's files hold it: NAME="value", with \ " $ ` escaped. */
export function formatAssignment(name: string, value: string): string {
  return `${name}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"\n`;
}

/**
 * Parses `NAME=value` lines (the parameter file or a modify file). Values may be bare, "double
 * quoted" (with \ escapes) or 'single quoted'. Blank lines and # comments are skipped; a name
 * given twice keeps its last value (as LSF applies them in order).
 */
export function parseAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, unquote(m[2]!.trim()));
  }
  return out;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}

/** LSB_SUB_ABORT_VALUE from the esub's environment (97 when absent or not a number). */
export function abortValue(env: Record<string, string | undefined>): number {
  const v = env.LSB_SUB_ABORT_VALUE;
  return v && /^\d{1,3}$/.test(v) && Number(v) <= Status.MAX ? Number(v) : DEFAULT_ABORT_VALUE;
}
