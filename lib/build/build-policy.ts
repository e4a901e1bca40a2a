import { posix } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { WrapperError, WrapperErrors } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { parseHostEntry } from '../kernel/grammar/host.js';
import { type ImageRef, parseImageRef } from '../kernel/grammar/image.js';
import { isWithin } from '../kernel/grammar/path.js';
import { formatSize, parseSize } from '../kernel/grammar/size.js';
import { type ContextRef, parseContextRef } from './context-ref.js';
import type { ParsedBuildArgs, ParsedOption } from './options.js';
import { decideTag } from './tags.js';

/** Which builder runs the build: the options it understands and its output differ. */
export type Builder = 'classic' | 'buildkit';

/** A file-system check to make, as the user, before docker sees anything (see access.ts). */
export type PathCheck =
  | { kind: 'context'; path: string }
  /** A file the docker CLI reads (Dockerfile, secret, ssh key): the user must be able to read it. */
  | { kind: 'read-file'; path: string; subject: string }
  /** A file the docker CLI writes: it must go into a directory the user owns. */
  | { kind: 'write-file'; path: string; subject: string };

/** What the build will do, decided before anything runs. */
export interface BuildPlan {
  /** Arguments after the docker binary: ['build', ...options, ...tags, '--', context]. */
  argv: string[];
  /** Every tag, normalised, in order (the esub's tag first), without duplicates. */
  tags: ImageRef[];
  context: ContextRef;
  /** The -f value as resolved (absolute for a local context), if given. */
  dockerfile?: string;
  /**
   * The user's --iidfile path when docker is pointed at a private file instead (acting as root for
   * the user): the wrapper copies the result there as the user after the build.
   */
  iidfile?: string;
  pathChecks: PathCheck[];
  /** One line per decision, logged at DEBUG. */
  decisions: string[];
}

export interface BuildPolicyInput {
  args: ParsedBuildArgs;
  /** LSB_DOCKER_BUILD_TAG, the tag given to the esub. */
  envTag: string | undefined;
  config: Config;
  identity: Pick<Identity, 'user' | 'uid'>;
  builder: Builder;
  cwd: string;
  /**
   * Set when the docker CLI runs as root for the user (sudo): git contexts are refused (the CLI
   * would run git as root) and --iidfile is written by docker into PRIVATE_IIDFILE, not the user's path.
   */
  asRoot?: { privateIidfile: string };
}

/** Why a git context is refused when the docker CLI runs as root for the user. */
export const GIT_AS_ROOT =
  'a git context is not supported when docker_build runs as root for you (sudo): the docker CLI would run git as root; clone it yourself and give the directory, or give a tarball URL';

const CONTROL = /[\x00-\x1f\x7f]/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PLATFORM_ONE = '[a-z0-9_]+(?:/[a-z0-9_.]+){0,2}';
const PLATFORM = new RegExp(`^${PLATFORM_ONE}(?:,${PLATFORM_ONE})*$`);
const CPUSET = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;
const INTEGER = /^-?\d{1,18}$/;
const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*(?:=.*)?$/s;
const PROGRESS = ['auto', 'plain', 'tty', 'quiet', 'rawjson'];
const SAFE_NETWORKS = ['default', 'bridge', 'none'];

/** The verdict on one option: the words to hand docker, or why not. */
type Verdict =
  | { ok: true; argv: string[]; checks?: PathCheck[]; note?: string }
  | { ok: false; bad: boolean; reason: string };

const refuse = (reason: string): Verdict => ({ ok: false, bad: false, reason });
const malformed = (reason: string): Verdict => ({ ok: false, bad: true, reason });

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

function judge(option: ParsedOption, input: BuildPolicyInput, local: boolean): Verdict {
  const { def, value } = option;
  const { config, builder, cwd } = input;
  const long = `--${def.long}`;
  const pass = (v = value, note?: string): Verdict => ({ ok: true, argv: [`${long}=${v}`], note });
  if (def.check === 'refused') return refuse(def.reason ?? 'is not allowed');
  if (def.buildkitOnly && builder === 'classic') {
    return refuse('needs BuildKit, but builds on this host use the classic builder');
  }
  if (def.check === 'flag') return { ok: true, argv: [value === 'true' ? long : `${long}=false`] };
  if (value === '') return malformed('needs a non-empty value');
  if (CONTROL.test(value)) return malformed('must not contain control characters (newline, tab...)');
  switch (def.check) {
    case 'tag':
    case 'text':
      return pass();
    case 'file': {
      if (!local) return pass();
      const path = posix.resolve(cwd, value);
      return {
        ok: true,
        argv: [`${long}=${path}`],
        checks: [{ kind: 'read-file', path, subject: option.written }],
      };
    }
    case 'build-arg':
      return BUILD_ARG.test(value) ? pass() : malformed(`"${value}" is not NAME[=VALUE]`);
    case 'label':
      return /^[^=\s][^=]*(?:=.*)?$/s.test(value) ? pass() : malformed(`"${value}" is not KEY[=VALUE]`);
    case 'target':
      return TARGET.test(value) ? pass() : malformed(`"${value}" is not a build stage name`);
    case 'platform':
      return PLATFORM.test(value) ? pass() : malformed(`"${value}" is not OS/ARCH[/VARIANT]`);
    case 'host': {
      const parsed = parseHostEntry(value);
      return parsed.ok ? pass() : malformed(parsed.reason);
    }
    case 'network': {
      if (SAFE_NETWORKS.includes(value)) return pass();
      if (value === 'host') {
        return config.build.allowNetworkHost
          ? pass(value, 'network host allowed by [build] allow_network_host')
          : refuse(
              '"host" gives the build the host\'s network: the admin does not allow it ([build] allow_network_host)',
            );
      }
      if (value.startsWith('container:')) return refuse(`"${value}" would join another container's network`);
      return config.network.allow.includes(value)
        ? pass()
        : refuse(`"${value}" is not a network the admin allows (default, bridge, none)`);
    }
    case 'memory': {
      const bytes = parseSize(value);
      if (bytes === undefined) return malformed(`"${value}" is not a size such as 4g`);
      const max = config.resources.maxMemory;
      if (max !== undefined && bytes > max) {
        return refuse(`${value} is above the admin's limit of ${formatSize(max)} ([resources] max_memory)`);
      }
      return pass();
    }
    case 'memory-swap': {
      if (value === '-1') {
        return config.resources.swap === 'unlimited'
          ? pass()
          : refuse('-1 (unlimited swap) is not allowed by the admin ([resources] swap = none)');
      }
      return parseSize(value) === undefined ? malformed(`"${value}" is not a size or -1`) : pass();
    }
    case 'shm-size': {
      const bytes = parseSize(value);
      if (bytes === undefined) return malformed(`"${value}" is not a size such as 64m`);
      const max = config.resources.maxShmSize;
      if (max !== undefined && bytes > max) {
        return refuse(`${value} is above the admin's limit of ${formatSize(max)} ([resources] max_shm_size)`);
      }
      return pass();
    }
    case 'integer':
      return INTEGER.test(value) ? pass() : malformed(`"${value}" is not a whole number`);
    case 'cpuset':
      return CPUSET.test(value)
        ? pass()
        : malformed(`"${value}" is not a CPU/memory-node list such as 0-3,6`);
    case 'cache-from': {
      if (parseImageRef(value).ok) return pass();
      const fields = builder === 'buildkit' ? csvFields(value) : undefined;
      if (
        fields?.get('type') === 'registry' &&
        parseImageRef(fields.get('ref') ?? '').ok &&
        fields.size === 2
      ) {
        return pass();
      }
      return refuse(
        `"${value}" must be an image name${builder === 'buildkit' ? ' or type=registry,ref=IMAGE' : ''}`,
      );
    }
    case 'cgroup-parent': {
      const allowed = config.security.allowCgroupParent;
      return allowed.some((root) => isWithin(value, root))
        ? pass()
        : refuse(`"${value}" is not a cgroup parent the admin allows ([security] allow_cgroup_parent)`);
    }
    case 'ulimit':
      return config.resources.ulimits.includes(value)
        ? pass()
        : refuse(
            `"${value}" is not one of the limits the admin allows (${config.resources.ulimits.join(', ') || 'none'}; [resources] ulimit)`,
          );
    case 'iidfile': {
      const path = posix.resolve(cwd, value);
      return {
        ok: true,
        argv: [`${long}=${input.asRoot ? input.asRoot.privateIidfile : path}`],
        checks: [{ kind: 'write-file', path, subject: option.written }],
      };
    }
    case 'progress':
      if (!PROGRESS.includes(value)) return malformed(`"${value}" is not one of ${PROGRESS.join(', ')}`);
      return builder === 'classic'
        ? { ok: true, argv: [], note: `${long}=${value} dropped: the classic builder has one output format` }
        : pass();
    case 'secret': {
      const fields = csvFields(value);
      const src = fields?.get('src') ?? fields?.get('source');
      if (!fields?.get('id') || !src || (fields.has('type') && fields.get('type') !== 'file')) {
        return refuse(`"${value}" must be id=ID,src=FILE (a file you can read; env= secrets are not passed)`);
      }
      const path = posix.resolve(cwd, src);
      return {
        ok: true,
        argv: [`${long}=id=${fields.get('id')},src=${path}`],
        checks: [{ kind: 'read-file', path, subject: option.written }],
      };
    }
    case 'ssh': {
      const eq = value.indexOf('=');
      if (eq <= 0)
        return refuse(`"${value}" must be ID=KEYFILE[,KEYFILE] (the job's ssh agent is not available)`);
      const paths = value
        .slice(eq + 1)
        .split(',')
        .map((p) => posix.resolve(cwd, p));
      return {
        ok: true,
        argv: [`${long}=${value.slice(0, eq)}=${paths.join(',')}`],
        checks: paths.map((path) => ({ kind: 'read-file' as const, path, subject: option.written })),
      };
    }
    case 'output':
      return value === 'type=docker'
        ? pass()
        : refuse(`"${value}" writes the result outside the local image store: only type=docker is allowed`);
  }
  return refuse('is not allowed');
}

/**
 * Decides the whole build from the parsed words, the esub tag, the config and the user: the
 * argv for `docker build`, the tags to push and the file checks to make. Every refused option
 * or tag is reported (one line each); nothing here touches the disk or the daemon.
 */
export function decideBuild(input: BuildPolicyInput): BuildPlan {
  const errors: WrapperError[] = [];
  const decisions: string[] = [];
  const add = (bad: boolean, subject: string, reason: string) =>
    errors.push(new WrapperError(bad ? ExitCode.BAD_REQUEST : ExitCode.BUILD_REFUSED, reason, subject));

  const context = parseContextRef(input.args.context, input.cwd);
  if (!context.ok) add(true, 'CONTEXT', context.reason);
  else if (context.context.kind === 'git' && input.asRoot) add(false, 'CONTEXT', GIT_AS_ROOT);
  const local = context.ok && context.context.kind === 'dir';

  const argv: string[] = ['build'];
  const pathChecks: PathCheck[] = [];
  const tagTexts: Array<{ subject: string; text: string }> = [];
  if (input.envTag !== undefined && input.envTag.trim() !== '') {
    tagTexts.push({ subject: 'LSB_DOCKER_BUILD_TAG', text: input.envTag.trim() });
  }
  let dockerfile: string | undefined;
  let iidfile: string | undefined;
  const written = new Set<string>();
  for (const option of input.args.options) {
    written.add(option.def.long);
    const verdict = judge(option, input, local);
    if (!verdict.ok) {
      add(verdict.bad, option.written, verdict.reason);
      continue;
    }
    if (verdict.note) decisions.push(verdict.note);
    if (option.def.check === 'tag') {
      tagTexts.push({ subject: option.written, text: option.value });
      continue;
    }
    if (option.def.check === 'file') dockerfile = verdict.argv[0]!.slice('--file='.length);
    if (option.def.long === 'iidfile' && input.asRoot) iidfile = verdict.checks?.[0]?.path;
    argv.push(...verdict.argv);
    pathChecks.push(...(verdict.checks ?? []));
  }
  if (input.builder === 'classic' && !written.has('force-rm') && !written.has('rm')) {
    argv.push('--force-rm');
    decisions.push('--force-rm added: a failed step leaves no container behind');
  }

  const tags: ImageRef[] = [];
  const policy = {
    allowRegistries: input.config.build.allowRegistries,
    requireUserNamespace: input.config.build.requireUserNamespace,
  };
  for (const { subject, text } of tagTexts) {
    const decision = decideTag(text, policy, input.identity);
    if (!decision.ok) {
      add(decision.bad, subject, decision.reason);
      continue;
    }
    if (tags.some((t) => t.canonical === decision.ref.canonical)) continue;
    tags.push(decision.ref);
    decisions.push(`tag ${decision.ref.canonical} (from ${subject})`);
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new WrapperErrors(errors);
  if (!context.ok) throw new Error('unreachable');

  for (const tag of tags) argv.push(`--tag=${tag.canonical}`);
  const ctx = context.context;
  if (ctx.kind === 'dir') pathChecks.unshift({ kind: 'context', path: ctx.path });
  argv.push('--', ctx.kind === 'dir' ? ctx.path : ctx.url);
  if (iidfile)
    decisions.push(`--iidfile: docker writes ${input.asRoot!.privateIidfile}; copied to ${iidfile} as you`);
  return { argv, tags, context: ctx, dockerfile, iidfile, pathChecks, decisions };
}
