/**
 * Which variables reach the container's env-file, and how each dropped one is reported: the drop
 * rules (dropReason) and the filters that apply them to a whole environment, from the reference
 * (filterEnvironment) to the linear ones a job with 10,000 variables takes (filterVariables,
 * filterPlainRuns).
 */
import { entryName, type PlainRuns } from '../../kernel/env-entries.js';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Below docker's 64 KiB line limit, leaving room for the name. */
export const MAX_ENV_VALUE = 60 * 1024;

/**
 * Variables never passed: the exec host's name, the interactive flag (nested jobs are not
 * interactive), and the path of the job's environment snapshot (a host file, read by the wrapper).
 */
export const ALWAYS_DROPPED = new Set(['HOSTNAME', 'LSB_INTERACTIVE', 'LSF_DOCKER_JOB_ENVIRONMENT']);

export interface EnvDecision {
  /** The variables passed, as NAME=value entries in order. */
  kept: string[];
  dropped: Array<{ name: string; reason: string }>;
}

/** A value dropReason looks at more closely: a newline, a NUL byte, or a bash function. */
const SUSPECT_VALUE = /[\n\r\0]|^\(\)\s*\{/;
/** A name that passes whatever its value: valid, neither always dropped nor sudo's (deny patterns aside). */
const PLAIN_NAME = new RegExp(`^(?!SUDO_|(?:${[...ALWAYS_DROPPED].join('|')})$)[A-Za-z_][A-Za-z0-9_]*$`);

/** Why a variable may not be passed, or undefined when it may. */
export function dropReason(name: string, value: string, deny: RegExp[]): string | undefined {
  if (!ENV_NAME.test(name)) {
    return name.startsWith('BASH_FUNC_') ? 'a bash function' : 'not a valid variable name';
  }
  if (ALWAYS_DROPPED.has(name)) return 'always dropped';
  if (name.startsWith('SUDO_')) return "sudo's own variable";
  if (SUSPECT_VALUE.test(value)) {
    if (/[\n\r]/.test(value)) return 'its value holds a newline, which an env-file cannot carry';
    if (/^\(\)\s*\{/.test(value)) return 'a bash function';
    return 'its value holds a NUL byte';
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only long values need counting.
  if (value.length * 3 > MAX_ENV_VALUE && Buffer.byteLength(value) > MAX_ENV_VALUE) {
    return `its value is longer than ${MAX_ENV_VALUE} bytes`;
  }
  if (deny.some((re) => re.test(name))) return 'denied by the admin ([environment] deny)';
  return undefined;
}

/** Compiles the admin's deny patterns, each anchored to the whole name. */
export function denyPatterns(patterns: string[]): RegExp[] {
  return patterns.map((p) => new RegExp(`^(?:${p})$`));
}

/**
 * Filters SOURCES (later ones override earlier ones, names kept in first-seen order) through the
 * drop rules. Each dropped variable is reported once with its reason.
 */
export function filterEnvironment(sources: Array<Iterable<[string, string]>>, deny: RegExp[]): EnvDecision {
  const merged = new Map<string, string>();
  for (const source of sources) for (const [name, value] of source) merged.set(name, value);
  const kept: string[] = [];
  const dropped: EnvDecision['dropped'] = [];
  for (const [name, value] of merged) {
    const reason = dropReason(name, value, deny);
    if (reason) dropped.push({ name, reason });
    else kept.push(`${name}=${value}`);
  }
  return { kept, dropped };
}

const escaped = (name: string) => name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/**
 * An entry that passes as it is, tested in one step: a plain name that no later source
 * overrides (LATER), a value without a newline, NUL or bash function (its length and the deny
 * patterns are checked apart). Equivalent to PLAIN_NAME on the name and SUSPECT_VALUE on the
 * value: a valid name holds no '=', so the first '=' ends it.
 */
function plainEntryPattern(later: Iterable<string>): RegExp {
  const names = [...ALWAYS_DROPPED, ...Array.from(later, escaped)].join('|');
  return new RegExp(`^(?!SUDO_|(?:${names})=)[A-Za-z_][A-Za-z0-9_]*=(?!\\(\\)\\s*\\{)[^\\n\\r\\0]*$`);
}

/**
 * filterEnvironment for an ENVIRONMENT of NAME=value entries whose names are unique (the
 * process's, read once), overridden by the LATER sources: the environment itself is not copied.
 * Linear, and cheap per variable even before the JIT warms up (a job's environment may hold
 * 10,000): an entry with a plain name and a plain short value takes one regular expression (and
 * the deny patterns, as one, on its name) and is kept as the same string; only the others are
 * taken apart into name and value.
 */
export function filterVariables(
  environment: ReadonlyArray<string>,
  laterSources: Array<Iterable<[string, string]>>,
  deny: RegExp[],
): EnvDecision {
  const later = new Map<string, string>();
  for (const source of laterSources) for (const [name, value] of source) later.set(name, value);
  const denied = deny.length > 0 ? new RegExp(deny.map((re) => re.source).join('|')) : undefined;
  const plainEntry = plainEntryPattern(later.keys());
  const kept: string[] = [];
  const dropped: EnvDecision['dropped'] = [];
  const plain = (name: string, value: string) =>
    PLAIN_NAME.test(name) &&
    !SUSPECT_VALUE.test(value) &&
    value.length * 3 <= MAX_ENV_VALUE &&
    (denied === undefined || !denied.test(name));
  const decide = (name: string, value: string, entry?: string) => {
    const reason = plain(name, value) ? undefined : dropReason(name, value, deny);
    if (reason) dropped.push({ name, reason });
    else kept.push(entry ?? `${name}=${value}`);
  };
  // An indexed loop: a for-of over 10,000 entries costs several times more before the JIT is warm.
  for (let i = 0; i < environment.length; i++) {
    const entry = environment[i]!;
    if (
      entry.length * 3 <= MAX_ENV_VALUE &&
      plainEntry.test(entry) &&
      (denied === undefined || !denied.test(entryName(entry)))
    ) {
      kept.push(entry);
      continue;
    }
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    const override = later.size > 0 ? later.get(name) : undefined;
    if (override === undefined) {
      decide(name, value, entry);
    } else {
      later.delete(name);
      decide(name, override);
    }
  }
  for (const [name, value] of later) decide(name, value);
  return { kept, dropped };
}

/** The longest entry PlainRuns passes as it is (in bytes, UTF-8 being at most 3 per UTF-16 unit: filterVariables' bound). */
export const PLAIN_ENTRY_BYTES = Math.floor(MAX_ENV_VALUE / 3);

/**
 * filterVariables without deny patterns, for the launcher's environment rendered natively
 * (PlainRuns: no string per variable), as the env-file's text: the runs as they are, each odd
 * entry decided as filterVariables decides it (a later source's value in its place), then the
 * later sources' own variables. The same decisions in the same order (test/unit/host/native.test.ts).
 */
export function filterPlainRuns(
  plainRuns: PlainRuns,
  laterSources: Array<Iterable<[string, string]>>,
): { text: string; dropped: EnvDecision['dropped'] } {
  const later = new Map<string, string>();
  for (const source of laterSources) for (const [name, value] of source) later.set(name, value);
  const runs = plainRuns([...ALWAYS_DROPPED, ...later.keys()], PLAIN_ENTRY_BYTES);
  let text = '';
  const dropped: EnvDecision['dropped'] = [];
  const decide = (name: string, value: string, entry?: string) => {
    const reason = dropReason(name, value, []);
    if (reason) dropped.push({ name, reason });
    else text += `${entry ?? `${name}=${value}`}\n`;
  };
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (i % 2 === 0) {
      text += run;
      continue;
    }
    const eq = run.indexOf('=');
    const name = run.slice(0, eq);
    const override = later.get(name);
    if (override === undefined) decide(name, run.slice(eq + 1), run);
    else {
      later.delete(name);
      decide(name, override);
    }
  }
  for (const [name, value] of later) decide(name, value);
  return { text, dropped };
}
