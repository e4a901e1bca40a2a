import { type OptionDef as ScanDef, type ScanProblem, scanArgv } from '../kernel/argv.js';

/**
 * The `docker build` options docker_build knows, as one table, and the parser that splits a job's
 * words into options and the build context. Parsing is pure: it says what was written, not whether
 * policy allows it (see build-policy.ts).
 */

/** How an option's value is judged (the checks live in build-policy.ts). */
export type OptionCheck =
  | 'flag' // boolean switch, passed through
  | 'tag' // an image tag to build and push
  | 'file' // -f: the Dockerfile
  | 'build-arg'
  | 'label'
  | 'target'
  | 'platform'
  | 'host' // --add-host NAME:IP
  | 'network'
  | 'memory'
  | 'memory-swap'
  | 'shm-size'
  | 'integer'
  | 'cpuset'
  | 'cache-from'
  | 'cgroup-parent'
  | 'ulimit'
  | 'iidfile' // a file the CLI writes: must be in a directory the user owns
  | 'progress'
  | 'secret'
  | 'ssh'
  | 'output'
  | 'text' // free text without control characters
  | 'refused'; // never allowed: the reason says why

export interface OptionDef {
  long: string;
  short?: string;
  takesValue: boolean;
  check: OptionCheck;
  /** Only BuildKit understands it: refused when the classic builder runs the build. */
  buildkitOnly?: boolean;
  /** For check 'refused': why. */
  reason?: string;
}

const opt = (long: string, check: OptionCheck, extra: Partial<OptionDef> = {}): OptionDef => ({
  long,
  check,
  takesValue: check !== 'flag',
  ...extra,
});
const refused = (long: string, takesValue: boolean, reason: string): OptionDef => ({
  long,
  check: 'refused',
  takesValue,
  reason,
});

/** Every option of `docker build` (classic and BuildKit) and what docker_build does with it. */
export const BUILD_OPTIONS: readonly OptionDef[] = [
  opt('add-host', 'host'),
  opt('annotation', 'text', { buildkitOnly: true }),
  opt('attest', 'text', { buildkitOnly: true }),
  opt('build-arg', 'build-arg'),
  opt('cache-from', 'cache-from'),
  opt('cgroup-parent', 'cgroup-parent'),
  opt('compress', 'flag'),
  opt('cpu-period', 'integer'),
  opt('cpu-quota', 'integer'),
  opt('cpu-shares', 'integer', { short: 'c' }),
  opt('cpuset-cpus', 'cpuset'),
  opt('cpuset-mems', 'cpuset'),
  opt('disable-content-trust', 'flag'),
  opt('file', 'file', { short: 'f' }),
  opt('force-rm', 'flag'),
  opt('iidfile', 'iidfile'),
  opt('label', 'label'),
  opt('load', 'flag', { buildkitOnly: true }),
  opt('memory', 'memory', { short: 'm' }),
  opt('memory-swap', 'memory-swap'),
  opt('metadata-file', 'iidfile', { buildkitOnly: true }),
  opt('network', 'network'),
  opt('no-cache', 'flag'),
  opt('no-cache-filter', 'text', { buildkitOnly: true }),
  opt('output', 'output', { short: 'o', buildkitOnly: true }),
  opt('platform', 'platform'),
  opt('progress', 'progress'),
  opt('provenance', 'text', { buildkitOnly: true }),
  opt('pull', 'flag'),
  opt('quiet', 'flag', { short: 'q' }),
  opt('rm', 'flag'),
  opt('sbom', 'text', { buildkitOnly: true }),
  opt('secret', 'secret', { buildkitOnly: true }),
  opt('shm-size', 'shm-size'),
  opt('squash', 'flag'),
  opt('ssh', 'ssh', { buildkitOnly: true }),
  opt('tag', 'tag', { short: 't' }),
  opt('target', 'target'),
  opt('ulimit', 'ulimit'),
  refused('allow', true, 'grants the build extra privileges (network.host, security.insecure)'),
  refused('builder', true, 'selects another builder instance than the daemon the admin configured'),
  refused('build-context', true, 'is not supported by docker_build (put everything in the CONTEXT)'),
  refused('cache-to', true, 'writes the build cache to a host path or another registry'),
  refused('isolation', true, 'is a Windows-only option'),
  refused('push', false, 'is implied: docker_build pushes every tag itself after a successful build'),
  refused('security-opt', true, 'would change the security profile of the build containers'),
];

const BY_LONG = new Map(BUILD_OPTIONS.map((d) => [d.long, d]));
/** The scanner's table: --LONG and -SHORT; a switch takes an optional =true/=false. */
const SCAN_TABLE: ScanDef[] = BUILD_OPTIONS.map((d) => ({
  key: d.long,
  names: d.short ? [`--${d.long}`, `-${d.short}`] : [`--${d.long}`],
  value: d.takesValue ? 'required' : 'bool',
}));

/** One option as the user wrote it, with its value (for flags: 'true' or 'false'). */
export interface ParsedOption {
  def: OptionDef;
  /** What the user wrote, e.g. "-f" or "--file", for messages. */
  written: string;
  value: string;
}

export interface ParsedBuildArgs {
  options: ParsedOption[];
  context: string;
}

export type BuildArgsParse =
  | { ok: true; args: ParsedBuildArgs }
  | { ok: false; subject: string; reason: string };

const fail = (subject: string, reason: string): BuildArgsParse => ({ ok: false, subject, reason });

function problemOf(p: ScanProblem): BuildArgsParse {
  switch (p.kind) {
    case 'unknown':
      return fail(p.written, 'is not a docker build option that docker_build knows');
    case 'attached-flag':
      return fail(p.word, 'write short options separately (e.g. -q -t TAG)');
    case 'bad-flag-value':
      return fail(p.written, `${p.written} takes no value or =true/=false, not "${p.inline}"`);
    case 'missing-value':
      return fail(p.written, 'needs a value');
  }
}

/**
 * Splits `[docker build options] [--] CONTEXT` into options and the context. Accepted forms:
 * `--name value`, `--name=value`, `-X value`, `-Xvalue`, `-X=value`, flags `--name[=true|false]`.
 * The context must be the last word.
 */
export function parseBuildArgs(words: readonly string[]): BuildArgsParse {
  const scan = scanArgv(words, SCAN_TABLE, { inlineLong: true, attachedShort: true, unknown: 'fail' });
  if (!scan.ok) return problemOf(scan.problem);
  const options = scan.options.map((o) => ({ def: BY_LONG.get(o.key)!, written: o.written, value: o.value }));
  const rest = scan.rest;
  if (rest.length === 0) {
    return fail(
      'CONTEXT',
      'no build context given: the last argument must be a directory, a git URL or a tarball URL',
    );
  }
  if (rest.length > 1) {
    return fail(
      'CONTEXT',
      `the build context must be the last argument, but "${rest.slice(1).join(' ')}" follows "${rest[0]}" (options go before the context)`,
    );
  }
  return { ok: true, args: { options, context: rest[0]! } };
}
