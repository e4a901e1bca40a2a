/**
 * The container's environment: which variables of the job reach the env-file. Docker's
 * --env-file takes each line literally (no quotes, no escapes), cannot carry a newline, and its
 * line scanner stops at 64 KiB, so such values are dropped rather than mangled.
 */
import { entriesOf, entryName, envFileText } from '../../kernel/env-entries.js';
import type { JobRequest } from '../../request/job-request.js';
import type { GpuSpec } from '../../runtime/container-spec.js';
import type { JobVariable } from '../../scheduler/lsf/contract.js';
import { gpuVariables } from './devices.js';
import { denyPatterns, ENV_NAME, type EnvDecision, filterPlainRuns, filterVariables } from './env-filter.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

export { entriesOf, entryName, entryPair } from '../../kernel/env-entries.js';
export {
  ALWAYS_DROPPED,
  denyPatterns,
  dropReason,
  ENV_NAME,
  type EnvDecision,
  filterEnvironment,
  filterPlainRuns,
  filterVariables,
  MAX_ENV_VALUE,
  PLAIN_ENTRY_BYTES,
} from './env-filter.js';

/** Job variables LSF sets that are always passed, even when the environment is not preserved. */
export const JOB_VARIABLES: readonly string[] = [
  'LSB_JOBID',
  'LSB_JOBINDEX',
  'LSB_JOBNAME',
  'LSB_QUEUE',
  'LSB_HOSTS',
  'LSB_MCPU_HOSTS',
  'LS_SUBCWD',
  'TMPDIR',
] satisfies JobVariable[];

/**
 * The variable naming the job's environment snapshot: under sudo, env_reset keeps only the LSF
 * variables (scripts/lib/sudo.sh), so the user-side step (`lsf-docker sudo PROGRAM`, run as the
 * user) writes the job's whole environment to a 0600 file of the user's, NAME=value entries
 * separated by NUL bytes (as /proc/PID/environ), and names it here. The program running as root
 * reads it as the user (lib/host/user-files.ts) and takes it as untrusted input, like any env
 * file: it only feeds the container's environment, never a decision of the wrapper.
 */
export const SNAPSHOT_VARIABLE = 'LSF_DOCKER_JOB_ENVIRONMENT';

/** What sudo itself sets under env_reset (the target user's, never the job's): dropped when run through sudo. */
export const SUDO_SET = new Set(['HOME', 'USER', 'LOGNAME', 'USERNAME', 'SHELL', 'MAIL', 'PATH', 'TERM']);

/** The largest environment snapshot read (Linux caps a process's whole environment far below). */
export const SNAPSHOT_LIMIT = 4 * 1024 * 1024;

/** The entries of a snapshot (NUL-separated NAME=value), in order; anything without a name before '=' is skipped. Pure. */
export function parseSnapshot(text: string): string[] {
  return text.split('\0').filter((e) => e.indexOf('=') > 0);
}

/**
 * The job's own environment, as NAME=value entries, each name once. Run as the user, the
 * process's. Run through sudo (SUDO_UID set): the snapshot's entries (when one was given), then
 * what sudo kept, minus what sudo itself set (HOME, SHELL, MAIL, PATH, TERM, SUDO_*...): the
 * container never gets root's MAIL or SHELL. Pure.
 */
export function jobEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  snapshot: readonly string[] | undefined,
  variables?: ReadonlyArray<string>,
): ReadonlyArray<string> {
  // The request's entries (read once, scripts/start.cjs) rather than a second pass over ENV.
  const own = variables ?? entriesOf(env);
  if (env.SUDO_UID === undefined) return own;
  const kept = own.filter((e) => {
    const name = entryName(e);
    return !SUDO_SET.has(name) && !name.startsWith('SUDO_');
  });
  if (snapshot === undefined) return kept;
  // Each name once (filterVariables' first source): sudo's kept LSF variables are in the
  // snapshot too; what sudo kept wins, in the snapshot's place (a name the snapshot repeats: its
  // last value, in its first place).
  const merged = new Map(snapshot.map((e) => [entryName(e), e]));
  for (const e of kept) merged.set(entryName(e), e);
  return [...merged.values()];
}

/**
 * Parses an env file the user named (NAME=value lines; blank lines and # comments skipped;
 * optional "export "). A bad line is reported by its number only: the file's text never appears
 * in a message (under sudo it may be a file the user could not read).
 */
export function parseEnvFile(
  text: string,
  file: string,
): { entries: Array<[string, string]>; errors: string[] } {
  const entries: Array<[string, string]> = [];
  const bad: number[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const body = line.replace(/^\s*export\s+/, '');
    const eq = body.indexOf('=');
    const name = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!ENV_NAME.test(name)) {
      bad.push(i + 1);
      return;
    }
    entries.push([name, body.slice(eq + 1)]);
  });
  return { entries, errors: bad.length > 0 ? [badLines(file, bad, 'NAME=value')] : [] };
}

/** One message for the bad lines of FILE, by number (the first few), never by content. Pure. */
export function badLines(file: string, lines: number[], form: string): string {
  const shown = lines.slice(0, 5).join(', ');
  const more = lines.length > 5 ? ` and ${lines.length - 5} more` : '';
  return lines.length === 1
    ? `${file}: line ${shown} is not ${form}`
    : `${file}: lines ${shown}${more} are not ${form}`;
}

/** What other rules decided that the environment depends on. */
export interface EnvironmentInputs {
  gpus: GpuSpec;
  /** The job tmpdir mounted as /tmp, if any. */
  jobTmpdir?: string;
}

/** LSF_DOCKER_ENV_FILE: each file's NAME=value lines, read as the user. */
function userEnvFiles(request: JobRequest, { probe }: RuleContext, found: Findings): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const file of request.envFiles) {
    let text: string;
    try {
      text = probe.readUserFile(file);
    } catch (err) {
      found.refuse('LSF_DOCKER_ENV_FILE', `${file}: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseEnvFile(text, file);
    for (const e of parsed.errors) found.refuse('LSF_DOCKER_ENV_FILE', e);
    entries.push(...parsed.entries);
  }
  return entries;
}

/** The job's environment snapshot (SNAPSHOT_VARIABLE), read as the user, when run through sudo. */
function snapshotOf(request: JobRequest, { probe }: RuleContext, found: Findings) {
  const file = request.env[SNAPSHOT_VARIABLE];
  if (file === undefined || request.env.SUDO_UID === undefined) return undefined;
  try {
    const entries = parseSnapshot(probe.readUserFile(file, SNAPSHOT_LIMIT));
    found.decide(`environment: the job's ${entries.length} variables read from ${file}`);
    return entries;
  } catch (err) {
    found.refuse(SNAPSHOT_VARIABLE, `${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The wrapper's own variables, which win over the job's: GPUs, the user's identity, the scheduler's, TMPDIR. */
function wrapperVariables(request: JobRequest, { identity }: RuleContext, inputs: EnvironmentInputs) {
  const vars: Array<[string, string]> = [...gpuVariables(inputs.gpus)];
  // Always the user's own: under sudo the wrapper's environment holds root's.
  vars.push(['HOME', identity.home], ['USER', identity.user], ['LOGNAME', identity.user]);
  vars.push(...request.job.schedulerEnv);
  const { jobTmpdir } = inputs;
  if (jobTmpdir !== undefined && (request.env.TMPDIR === undefined || request.env.TMPDIR === jobTmpdir)) {
    vars.push(['TMPDIR', '/tmp']);
  }
  return vars;
}

/**
 * The container's environment: the job's (all of it, or only the job variables when not
 * preserved), the user's env files, then the wrapper's own, through the drop rules.
 */
export function environmentRule(
  request: JobRequest,
  ctx: RuleContext,
  inputs: EnvironmentInputs,
): Ruling<string> {
  const found = new Findings();
  const { environment } = ctx.config;
  const preserve = request.preserveEnvironment ?? environment.preserve;
  const snapshot = snapshotOf(request, ctx, found);
  const files = userEnvFiles(request, ctx, found);
  const later = [files, wrapperVariables(request, ctx, inputs)];
  const deny = denyPatterns(environment.deny);
  let env: { text: string; dropped: EnvDecision['dropped'] };
  if (request.plainRuns && preserve && deny.length === 0 && request.env.SUDO_UID === undefined) {
    // The job's own environment, whole, rendered natively by the launcher.
    env = filterPlainRuns(request.plainRuns, later);
  } else {
    const all = jobEnvironment(request.env, snapshot, request.variables?.());
    const passed = (name: string) => JOB_VARIABLES.includes(name) || environment.pass.includes(name);
    const base = preserve ? all : all.filter((entry) => passed(entryName(entry)));
    const decided = filterVariables(base, later, deny);
    env = { text: envFileText(decided.kept), dropped: decided.dropped };
  }
  for (const d of env.dropped) found.decide(`environment: ${d.name} dropped (${d.reason})`);
  found.decide(preserve ? 'environment preserved' : 'environment not preserved: job variables only');
  if (!preserve && environment.pass.length > 0) {
    found.decide(`environment: ${environment.pass.join(', ')} passed when set ([environment] pass)`);
  }
  return found.ruling(env.text);
}
