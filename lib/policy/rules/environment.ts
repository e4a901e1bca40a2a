/**
 * The container's environment: which variables of the job reach the env-file. Docker's
 * --env-file takes each line literally (no quotes, no escapes), cannot carry a newline, and its
 * line scanner stops at 64 KiB, so such values are dropped rather than mangled.
 */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Below docker's 64 KiB line limit, leaving room for the name. */
export const MAX_ENV_VALUE = 60 * 1024;

/** Job variables LSF sets that are always passed, even when the environment is not preserved. */
export const JOB_VARIABLES = [
  'LSB_JOBID',
  'LSB_JOBINDEX',
  'LSB_JOBNAME',
  'LSB_QUEUE',
  'LSB_HOSTS',
  'LSB_MCPU_HOSTS',
  'LS_SUBCWD',
  'TMPDIR',
];

/** Variables never passed: the exec host's name, and the interactive flag (nested jobs are not interactive). */
export const ALWAYS_DROPPED = new Set(['HOSTNAME', 'LSB_INTERACTIVE']);

export interface EnvDecision {
  kept: Array<[string, string]>;
  dropped: Array<{ name: string; reason: string }>;
}

/** Why a variable may not be passed, or undefined when it may. */
export function dropReason(name: string, value: string, deny: RegExp[]): string | undefined {
  if (!ENV_NAME.test(name)) {
    return name.startsWith('BASH_FUNC_') ? 'a bash function' : 'not a valid variable name';
  }
  if (ALWAYS_DROPPED.has(name)) return 'always dropped';
  if (name.startsWith('SUDO_')) return "sudo's own variable";
  if (/[\n\r]/.test(value)) return 'its value holds a newline, which an env-file cannot carry';
  if (/^\(\)\s*\{/.test(value)) return 'a bash function';
  if (value.includes('\0')) return 'its value holds a NUL byte';
  if (Buffer.byteLength(value) > MAX_ENV_VALUE) return `its value is longer than ${MAX_ENV_VALUE} bytes`;
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
  const kept: Array<[string, string]> = [];
  const dropped: EnvDecision['dropped'] = [];
  for (const [name, value] of merged) {
    const reason = dropReason(name, value, deny);
    if (reason) dropped.push({ name, reason });
    else kept.push([name, value]);
  }
  return { kept, dropped };
}

/** Parses an env file the user named (NAME=value lines; blank lines and # comments skipped; optional "export "). */
export function parseEnvFile(
  text: string,
  file: string,
): { entries: Array<[string, string]>; errors: string[] } {
  const entries: Array<[string, string]> = [];
  const errors: string[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const body = line.replace(/^\s*export\s+/, '');
    const eq = body.indexOf('=');
    const name = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!ENV_NAME.test(name)) {
      errors.push(`${file} line ${i + 1}: "${line.slice(0, 60)}" is not NAME=value`);
      return;
    }
    entries.push([name, body.slice(eq + 1)]);
  });
  return { entries, errors };
}
