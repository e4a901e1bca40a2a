/**
 * The rule for each kind of docker build option (options.ts OptionCheck), as one table: what
 * docker_build hands docker for the option, or why it refuses it. Pure.
 */
import { posix } from 'node:path';
import type { Config } from '../config/schema.js';
import { parseHostEntry } from '../kernel/grammar/host.js';
import { parseImageRef } from '../kernel/grammar/image.js';
import { isWithin } from '../kernel/grammar/path.js';
import { formatSize, parseSize } from '../kernel/grammar/size.js';
import type { Builder, PathCheck } from './build-types.js';
import type { OptionCheck, ParsedOption } from './options.js';

const CONTROL = /[\x00-\x1f\x7f]/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PLATFORM_ONE = '[a-z0-9_]+(?:/[a-z0-9_.]+){0,2}';
const PLATFORM = new RegExp(`^${PLATFORM_ONE}(?:,${PLATFORM_ONE})*$`);
const CPUSET = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;
const INTEGER = /^-?\d{1,18}$/;
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*(?:=.*)?$/s;
const LABEL = /^[^=\s][^=]*(?:=.*)?$/s;
const PROGRESS = ['auto', 'plain', 'tty', 'quiet', 'rawjson'];
const SAFE_NETWORKS = ['default', 'bridge', 'none'];

/** The verdict on one option: the words to hand docker, or why not (BAD: malformed, else refused). */
export type Verdict =
  | { ok: true; argv: string[]; checks?: PathCheck[]; note?: string }
  | { ok: false; bad: boolean; reason: string };

const refuse = (reason: string): Verdict => ({ ok: false, bad: false, reason });
const malformed = (reason: string): Verdict => ({ ok: false, bad: true, reason });

/** What a rule sees: the option, its value, and the build's setting. */
interface RuleInput {
  option: ParsedOption;
  value: string;
  /** --LONG, as handed to docker. */
  long: string;
  config: Config;
  builder: Builder;
  cwd: string;
  /** The context is a local directory (relative files resolve against the cwd). */
  local: boolean;
  /** Acting as root for the user: docker writes --iidfile here instead. */
  privateIidfile?: string;
  /** The option as given: --LONG=VALUE (or V instead of the value). */
  pass: (v?: string, note?: string) => Verdict;
}

type Rule = (r: RuleInput) => Verdict;

/** key=value,key=value (docker's csv option form) into a map; undefined when malformed. */
function csvFields(text: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return fields;
}

const matching =
  (pattern: RegExp, expected: string): Rule =>
  (r) =>
    pattern.test(r.value) ? r.pass() : malformed(`"${r.value}" is not ${expected}`);

const readFile = (r: RuleInput, path: string): PathCheck => ({
  kind: 'read-file',
  path,
  subject: r.option.written,
});

/** A size no larger than the admin's MAX ([resources] KEY). */
const sizeAtMost =
  (max: (c: Config) => number | undefined, key: string, example: string): Rule =>
  (r) => {
    const bytes = parseSize(r.value);
    if (bytes === undefined) return malformed(`"${r.value}" is not a size such as ${example}`);
    const limit = max(r.config);
    if (limit !== undefined && bytes > limit)
      return refuse(`${r.value} is above the admin's limit of ${formatSize(limit)} ([resources] ${key})`);
    return r.pass();
  };

function network(r: RuleInput): Verdict {
  const { value, config } = r;
  if (SAFE_NETWORKS.includes(value)) return r.pass();
  if (value === 'host') {
    return config.build.allowNetworkHost
      ? r.pass(value, 'network host allowed by [build] allow_network_host')
      : refuse(
          '"host" gives the build the host\'s network: the admin does not allow it ([build] allow_network_host)',
        );
  }
  if (value.startsWith('container:')) return refuse(`"${value}" would join another container's network`);
  return config.network.allow.includes(value)
    ? r.pass()
    : refuse(`"${value}" is not a network the admin allows (default, bridge, none)`);
}

function cacheFrom(r: RuleInput): Verdict {
  if (parseImageRef(r.value).ok) return r.pass();
  const fields = r.builder === 'buildkit' ? csvFields(r.value) : undefined;
  if (fields?.get('type') === 'registry' && parseImageRef(fields.get('ref') ?? '').ok && fields.size === 2)
    return r.pass();
  return refuse(
    `"${r.value}" must be an image name${r.builder === 'buildkit' ? ' or type=registry,ref=IMAGE' : ''}`,
  );
}

function secret(r: RuleInput): Verdict {
  const fields = csvFields(r.value);
  const src = fields?.get('src') ?? fields?.get('source');
  if (!fields?.get('id') || !src || (fields.has('type') && fields.get('type') !== 'file'))
    return refuse(`"${r.value}" must be id=ID,src=FILE (a file you can read; env= secrets are not passed)`);
  const path = posix.resolve(r.cwd, src);
  return { ok: true, argv: [`${r.long}=id=${fields.get('id')},src=${path}`], checks: [readFile(r, path)] };
}

function ssh(r: RuleInput): Verdict {
  const eq = r.value.indexOf('=');
  if (eq <= 0)
    return refuse(`"${r.value}" must be ID=KEYFILE[,KEYFILE] (the job's ssh agent is not available)`);
  const paths = r.value
    .slice(eq + 1)
    .split(',')
    .map((p) => posix.resolve(r.cwd, p));
  return {
    ok: true,
    argv: [`${r.long}=${r.value.slice(0, eq)}=${paths.join(',')}`],
    checks: paths.map((path) => readFile(r, path)),
  };
}

/** The rule of each option kind that takes a value ('flag' and 'refused' are decided before). */
const RULES: Record<Exclude<OptionCheck, 'flag' | 'refused'>, Rule> = {
  tag: (r) => r.pass(),
  text: (r) => r.pass(),
  file: (r) => {
    if (!r.local) return r.pass();
    const path = posix.resolve(r.cwd, r.value);
    return { ok: true, argv: [`${r.long}=${path}`], checks: [readFile(r, path)] };
  },
  'build-arg': matching(BUILD_ARG, 'NAME[=VALUE]'),
  label: matching(LABEL, 'KEY[=VALUE]'),
  target: matching(TARGET, 'a build stage name'),
  platform: matching(PLATFORM, 'OS/ARCH[/VARIANT]'),
  host: (r) => {
    const parsed = parseHostEntry(r.value);
    return parsed.ok ? r.pass() : malformed(parsed.reason);
  },
  network,
  memory: sizeAtMost((c) => c.resources.maxMemory, 'max_memory', '4g'),
  'memory-swap': (r) => {
    if (r.value === '-1')
      return r.config.resources.swap === 'unlimited'
        ? r.pass()
        : refuse('-1 (unlimited swap) is not allowed by the admin ([resources] swap = none)');
    return parseSize(r.value) === undefined ? malformed(`"${r.value}" is not a size or -1`) : r.pass();
  },
  'shm-size': sizeAtMost((c) => c.resources.maxShmSize, 'max_shm_size', '64m'),
  integer: matching(INTEGER, 'a whole number'),
  cpuset: matching(CPUSET, 'a CPU/memory-node list such as 0-3,6'),
  'cache-from': cacheFrom,
  'cgroup-parent': (r) =>
    r.config.security.allowCgroupParent.some((root) => isWithin(r.value, root))
      ? r.pass()
      : refuse(`"${r.value}" is not a cgroup parent the admin allows ([security] allow_cgroup_parent)`),
  ulimit: (r) =>
    r.config.resources.ulimits.includes(r.value)
      ? r.pass()
      : refuse(
          `"${r.value}" is not one of the limits the admin allows (${r.config.resources.ulimits.join(', ') || 'none'}; [resources] ulimit)`,
        ),
  iidfile: (r) => {
    const path = posix.resolve(r.cwd, r.value);
    return {
      ok: true,
      argv: [`${r.long}=${r.privateIidfile ?? path}`],
      checks: [{ kind: 'write-file', path, subject: r.option.written }],
    };
  },
  progress: (r) => {
    if (!PROGRESS.includes(r.value)) return malformed(`"${r.value}" is not one of ${PROGRESS.join(', ')}`);
    return r.builder === 'classic'
      ? {
          ok: true,
          argv: [],
          note: `${r.long}=${r.value} dropped: the classic builder has one output format`,
        }
      : r.pass();
  },
  secret,
  ssh,
  output: (r) =>
    r.value === 'type=docker'
      ? r.pass()
      : refuse(`"${r.value}" writes the result outside the local image store: only type=docker is allowed`),
};

/** The setting every option of one build is judged in. */
export interface JudgeContext {
  config: Config;
  builder: Builder;
  cwd: string;
  local: boolean;
  privateIidfile?: string;
}

/** The verdict on OPTION: refused kinds and BuildKit-only options first, then its kind's rule. */
export function judge(option: ParsedOption, ctx: JudgeContext): Verdict {
  const { def, value } = option;
  const long = `--${def.long}`;
  if (def.check === 'refused') return refuse(def.reason ?? 'is not allowed');
  if (def.buildkitOnly && ctx.builder === 'classic')
    return refuse('needs BuildKit, but builds on this host use the classic builder');
  if (def.check === 'flag') return { ok: true, argv: [value === 'true' ? long : `${long}=false`] };
  if (value === '') return malformed('needs a non-empty value');
  if (CONTROL.test(value)) return malformed('must not contain control characters (newline, tab...)');
  const pass = (v = value, note?: string): Verdict => ({ ok: true, argv: [`${long}=${v}`], note });
  return RULES[def.check]({ ...ctx, option, value, long, pass });
}
