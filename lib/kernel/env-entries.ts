/**
 * An environment as NAME=value entries, the form a process's environment has (execve, environ,
 * /proc/PID/environ): the name ends at the first '='. The wrapper carries the job's variables so
 * from scripts/start.cjs to the env-file: a job may hold 10,000, and each object made per variable
 * costs its start-up the allocation and the collections that copy it.
 */

/** The name of a NAME=value entry (the text before its first '='). Pure. */
export function entryName(entry: string): string {
  return entry.slice(0, entry.indexOf('='));
}

/** A NAME=value entry as [name, value] (split at its first '='). Pure. */
export function entryPair(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

/**
 * The set variables of ENV as NAME=value entries, in its order. A key holding '=' is no variable
 * of any process (a process's environment names end at their first '='; getenv never finds one):
 * left out, or its entry would name another variable. Pure.
 */
export function entriesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const entries: string[] = [];
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !name.includes('=')) entries.push(`${name}=${value}`);
  return entries;
}

/**
 * The env-file lines of an environment made natively, without a string per variable (the
 * launcher's, scripts/start.cjs with the addon): [run, odd, run, odd, ..., run] for EXCLUDED
 * names and at most MAXBYTES bytes an entry. Each run holds entries that pass as they are, each
 * ended by a newline; each odd is an entry the caller decides (lib/policy/rules/environment.ts
 * filterPlainRuns), in the environment's order.
 */
export type PlainRuns = (excluded: readonly string[], maxBytes: number) => string[];

/** The environment as the launcher read it: its entries when asked for, and PlainRuns when the addon is installed. */
export interface EnvironmentBlock {
  entries: () => ReadonlyArray<string>;
  plainRuns?: PlainRuns;
}

/** The env-file of ENTRIES (NAME=value, none holding a newline): one per line, each ended by a newline; one join, however many. Pure. */
export function envFileText(entries: readonly string[]): string {
  return entries.length === 0 ? '' : `${entries.join('\n')}\n`;
}

/** The NAME=value entries of an env-file's TEXT (one per line, each ended by a newline). Pure. */
export function envFileEntries(text: string): string[] {
  return text === '' ? [] : text.slice(0, -1).split('\n');
}
