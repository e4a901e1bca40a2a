import { type EnvironmentBlock, entriesOf, type PlainRuns } from '../kernel/env-entries.js';
import { parseDigest } from '../kernel/grammar/digest.js';
import { type HostEntry, parseHostEntry } from '../kernel/grammar/host.js';
import { parseImageRef } from '../kernel/grammar/image.js';
import { parseAbsolutePath } from '../kernel/grammar/path.js';
import { type PortSpec, parsePort } from '../kernel/grammar/port.js';
import { parseSize } from '../kernel/grammar/size.js';
import { parseVolume, type VolumeSpec } from '../kernel/grammar/volume.js';
import { parseBool, splitWords } from '../kernel/grammar/words.js';
import { type Problems, requestProblems } from '../kernel/problems.js';
import { type JobRequest, PLACE_HOLDER } from './job-request.js';
import { parseLsfJob } from './lsf-job.js';
import { type SchedulerJob, withSchedulerJob } from './scheduler-facts.js';
import { parsePreserveEnvironment, parseRunLogLevel, type VariableParse } from './variables.js';

const MODE = /^[a-z0-9][a-z0-9_.-]*(?::[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;

type Env = Readonly<Record<string, string>>;

function parseList<T>(
  problems: Problems,
  variable: string,
  text: string | undefined,
  parse: (w: string) => ({ ok: true } & Record<string, unknown>) | { ok: false; reason: string },
  pick: (r: never) => T,
): T[] {
  const out: T[] = [];
  for (const word of splitWords(text)) {
    const result = parse(word);
    if (result.ok) out.push(pick(result as never));
    else problems.add(variable, (result as { reason: string }).reason);
  }
  return out;
}

function absolute(problems: Problems, variable: string, text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const parsed = parseAbsolutePath(text);
  if (parsed.ok) return parsed.path;
  problems.add(variable, parsed.reason);
  return undefined;
}

function mode(problems: Problems, variable: string, text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = text.trim();
  if (!MODE.test(value)) {
    problems.add(
      variable,
      `"${value}" is not a mode name (letters, digits, . _ -, optionally container:NAME)`,
    );
    return undefined;
  }
  return value;
}

function collected<T>(problems: Problems, parsed: VariableParse<T>): T | undefined {
  if (parsed.ok) return parsed.value;
  problems.list.push(parsed.error);
  return undefined;
}

type ImagePart = Pick<JobRequest, 'imageText' | 'imageVariable' | 'image' | 'imageDigest'>;

function imageOf(problems: Problems, env: Env): ImagePart {
  const imageVariable = env.LSB_CONTAINER_IMAGE !== undefined ? 'LSB_CONTAINER_IMAGE' : 'LSB_DOCKER_IMAGE';
  const imageText = (env[imageVariable] ?? '').trim();
  const image = parseImageRef(imageText);
  if (imageText === '') {
    problems.add('LSB_CONTAINER_IMAGE', 'is not set: submit with bsub -a "docker(IMAGE)"');
  } else if (!image.ok) {
    problems.add(imageVariable, `"${imageText}" ${image.reason}`);
  }
  const pinned = env.LSB_CONTAINER_IMAGE_DIGEST?.trim() || undefined;
  const digest = pinned === undefined ? undefined : parseDigest(pinned);
  if (digest && !digest.ok) problems.add('LSB_CONTAINER_IMAGE_DIGEST', digest.reason);
  return {
    imageText,
    imageVariable,
    image: (image as { ok: true; ref: JobRequest['image'] }).ref,
    imageDigest: digest?.ok ? digest.digest : undefined,
  };
}

/** LSF_DOCKER_RUN_RAW_ARGS: the image's own command runs, and the job's command must be the place holder. */
function rawArgsOf(problems: Problems, env: Env, command: string[]): boolean {
  const flag = env.LSF_DOCKER_RUN_RAW_ARGS;
  const rawArgs = flag !== undefined && flag !== '' && parseBool(flag) === true;
  if (flag !== undefined && flag !== '' && parseBool(flag) === undefined) {
    problems.add('LSF_DOCKER_RUN_RAW_ARGS', `"${flag}" is not 1 or 0`);
  }
  if (rawArgs && !(command.length === 1 && command[0]!.trim() === PLACE_HOLDER)) {
    problems.add(
      'LSF_DOCKER_RUN_RAW_ARGS',
      `the command must be exactly ${PLACE_HOLDER} (the image's own command runs)`,
    );
  }
  if (!rawArgs && command.join(' ').trim() === '') problems.add('COMMAND', 'no command given');
  return rawArgs;
}

function listsOf(
  problems: Problems,
  env: Env,
  cwd: string,
): Pick<JobRequest, 'volumes' | 'ports' | 'addHosts' | 'addHostFiles' | 'envFiles'> {
  const volumes = parseList<VolumeSpec>(
    problems,
    'LSF_DOCKER_VOLUMES',
    env.LSF_DOCKER_VOLUMES,
    parseVolume,
    (r: { volume: VolumeSpec }) => r.volume,
  );
  const ports = parseList<PortSpec>(
    problems,
    'LSF_DOCKER_PORTS',
    env.LSF_DOCKER_PORTS,
    parsePort,
    (r: { port: PortSpec }) => r.port,
  );
  const addHosts = parseList<HostEntry>(
    problems,
    'LSF_DOCKER_ADD_HOST',
    env.LSF_DOCKER_ADD_HOST,
    parseHostEntry,
    (r: { host: HostEntry }) => r.host,
  );
  const pathList = (variable: string) =>
    splitWords(env[variable])
      .map((w) => absolute(problems, variable, w.startsWith('/') ? w : `${cwd}/${w}`))
      .filter((p): p is string => p !== undefined);
  return {
    volumes,
    ports,
    addHosts,
    addHostFiles: pathList('LSF_DOCKER_ADD_HOST_FILE'),
    envFiles: pathList('LSF_DOCKER_ENV_FILE'),
  };
}

function shmSizeOf(problems: Problems, env: Env): number | undefined {
  const text = env.LSF_DOCKER_SHM_SIZE;
  if (text === undefined || text.trim() === '') return undefined;
  const size = parseSize(text);
  if (size === undefined || size === 0) {
    problems.add('LSF_DOCKER_SHM_SIZE', `"${text}" is not a size such as 512m or 4g`);
  }
  return size;
}

/** Where the launcher's environment view (scripts/start.cjs) gives its NAME=value entries in one step. */
const ENTRIES = Symbol.for('lsf-docker.environment.entries');
/** Where it gives them as an EnvironmentBlock: made when asked for, and rendered natively with the addon. */
const BLOCK = Symbol.for('lsf-docker.environment.block');

/**
 * The environment, read once and not copied (a job may carry 10,000 variables: a copy costs more
 * than all the rest of the parse): the caller's object itself, with its entries, when it holds no
 * unset (undefined) entry, as the wrapper's process.env (scripts/start.cjs) never does.
 */
function environmentOf(raw: Readonly<Record<string, string | undefined>>): {
  env: Readonly<Record<string, string>>;
  variables: () => ReadonlyArray<string>;
  plainRuns?: PlainRuns;
} {
  const env = raw as Record<string, string>;
  const block = (raw as { [BLOCK]?: EnvironmentBlock })[BLOCK];
  if (block !== undefined && typeof block.entries === 'function') {
    let entries: ReadonlyArray<string> | undefined;
    const variables = () => {
      entries ??= block.entries();
      return entries;
    };
    return block.plainRuns ? { env, variables, plainRuns: block.plainRuns } : { env, variables };
  }
  const provided = (raw as { [ENTRIES]?: unknown })[ENTRIES];
  if (Array.isArray(provided)) return { env, variables: () => provided };
  const pairs = Object.entries(raw).filter((e): e is [string, string] => e[1] !== undefined);
  const variables = entriesOf(raw);
  return { env: Object.fromEntries(pairs), variables: () => variables };
}

export interface ParseContext {
  cwd: string;
  hostname: string;
  /** What a Slurm job's scheduler said directly (slots, tmpdir), when Slurm started it. */
  scheduler?: SchedulerJob;
}

/**
 * Parses the job's environment and command into a JobRequest. Pure: it validates every variable
 * against its grammar and reports each bad one by name; policy decides what is allowed later.
 */
export function parseJobRequest(
  rawEnv: Readonly<Record<string, string | undefined>>,
  command: string[],
  ctx: ParseContext,
): JobRequest {
  const problems = requestProblems();
  const { env, variables, plainRuns } = environmentOf(rawEnv);
  const image = imageOf(problems, env);
  const rawArgs = rawArgsOf(problems, env, command);
  const entrypoint = absolute(problems, 'LSF_DOCKER_ENTRYPOINT', env.LSF_DOCKER_ENTRYPOINT);
  const workdir = absolute(problems, 'LSF_DOCKER_WORKDIR', env.LSF_DOCKER_WORKDIR);
  const lists = listsOf(problems, env, ctx.cwd);
  const shmSize = shmSizeOf(problems, env);
  const preserveEnvironment = collected(problems, parsePreserveEnvironment(env));
  const logLevel = collected(problems, parseRunLogLevel(env));
  const job = withSchedulerJob(parseLsfJob(problems, env, ctx.cwd, ctx.hostname), ctx.scheduler);
  const network = mode(problems, 'LSF_DOCKER_NETWORK', env.LSF_DOCKER_NETWORK);
  const ipc = mode(problems, 'LSF_DOCKER_IPC', env.LSF_DOCKER_IPC);
  const cgroupParent = absolute(problems, 'LSF_DOCKER_CGROUP', env.LSF_DOCKER_CGROUP);
  problems.throwIfAny();
  return {
    ...image,
    command,
    rawArgs,
    entrypoint,
    workdir,
    ...lists,
    network,
    ipc,
    shmSize,
    cgroupParent,
    preserveEnvironment,
    logLevel,
    job,
    env,
    variables,
    ...(plainRuns ? { plainRuns } : {}),
  };
}
