import { requestError, type WrapperError, WrapperErrors } from '../kernel/errors.js';
import { type HostEntry, parseHostEntry } from '../kernel/grammar/host.js';
import { parseImageRef } from '../kernel/grammar/image.js';
import { parseAbsolutePath } from '../kernel/grammar/path.js';
import { type PortSpec, parsePort } from '../kernel/grammar/port.js';
import { parseSize } from '../kernel/grammar/size.js';
import { parseVolume, type VolumeSpec } from '../kernel/grammar/volume.js';
import { parseBool, splitWords } from '../kernel/grammar/words.js';
import { type LogLevel, parseLogLevel } from '../kernel/log/levels.js';
import { type JobRequest, type LsfJob, PLACE_HOLDER } from './job-request.js';

const MODE = /^[a-z0-9][a-z0-9_.-]*(?::[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;

/** Collects one error per bad variable or entry instead of stopping at the first. */
class Problems {
  readonly list: WrapperError[] = [];
  add(variable: string, message: string) {
    this.list.push(requestError(variable, message));
  }
  throwIfAny() {
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new WrapperErrors(this.list);
  }
}

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

/** Counts this host's slots from LSB_MCPU_HOSTS ("hostA 2 hostB 4") or LSB_HOSTS (one name per slot). */
export function slotsOnHost(env: Record<string, string | undefined>, hostname: string): number {
  const short = (h: string) => h.split('.')[0];
  const mcpu = splitWords(env.LSB_MCPU_HOSTS);
  if (mcpu.length >= 2) {
    for (let i = 0; i + 1 < mcpu.length; i += 2) {
      if (short(mcpu[i]!) === short(hostname) && /^\d+$/.test(mcpu[i + 1]!))
        return Math.max(1, Number(mcpu[i + 1]));
    }
    const first = mcpu[1];
    if (first && /^\d+$/.test(first)) return Math.max(1, Number(first));
  }
  const hosts = splitWords(env.LSB_HOSTS);
  const mine = hosts.filter((h) => short(h) === short(hostname)).length;
  return Math.max(1, mine || hosts.length || 1);
}

function parseJob(
  problems: Problems,
  env: Record<string, string | undefined>,
  cwd: string,
  hostname: string,
): LsfJob {
  const id = env.LSB_JOBID;
  const index = env.LSB_JOBINDEX;
  if (id !== undefined && !/^\d{1,19}$/.test(id)) problems.add('LSB_JOBID', `"${id}" is not a job number`);
  if (index !== undefined && index !== '' && !/^\d{1,9}$/.test(index)) {
    problems.add('LSB_JOBINDEX', `"${index}" is not an array index`);
  }
  const subcwd = absolute(problems, 'LS_SUBCWD', env.LS_SUBCWD) ?? cwd;
  const cuda = env.CUDA_VISIBLE_DEVICES;
  let gpus: string[] | undefined;
  if (cuda !== undefined && cuda.trim() !== '') {
    gpus = cuda.split(',').map((g) => g.trim());
    if (gpus.some((g) => !/^(?:\d{1,3}|GPU-[0-9a-fA-F-]{8,64}|MIG-[0-9a-zA-Z/-]{4,80})$/.test(g))) {
      problems.add('CUDA_VISIBLE_DEVICES', `"${cuda}" is not a list of GPU indexes or UUIDs`);
      gpus = undefined;
    }
  }
  return {
    id: id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined,
    index: index && /^\d+$/.test(index) ? Number(index) : 0,
    name: env.LSB_JOBNAME,
    queue: env.LSB_QUEUE,
    slots: slotsOnHost(env, hostname),
    subcwd,
    interactive: (env.LSB_INTERACTIVE ?? '').toUpperCase() === 'Y',
    resourceRequest: env.LSB_EFFECTIVE_RSRCREQ ?? env.LSB_SUB_RES_REQ,
    effectiveResourceRequest: env.LSB_EFFECTIVE_RSRCREQ,
    gpus,
    jobFile: env.LSB_JOBFILENAME,
  };
}

export interface ParseContext {
  cwd: string;
  hostname: string;
}

/**
 * Parses the job's environment and command into a JobRequest. Pure: it validates every variable
 * against its grammar and reports each bad one by name; policy decides what is allowed later.
 */
export function parseJobRequest(
  rawEnv: Record<string, string | undefined>,
  command: string[],
  ctx: ParseContext,
): JobRequest {
  const problems = new Problems();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawEnv)) if (v !== undefined) env[k] = v;

  const imageVariable = env.LSB_CONTAINER_IMAGE !== undefined ? 'LSB_CONTAINER_IMAGE' : 'LSB_DOCKER_IMAGE';
  const imageText = (env[imageVariable] ?? '').trim();
  const image = parseImageRef(imageText);
  if (imageText === '') {
    problems.add('LSB_CONTAINER_IMAGE', 'is not set: submit with bsub -a "docker(IMAGE)"');
  } else if (!image.ok) {
    problems.add(imageVariable, `"${imageText}" ${image.reason}`);
  }

  const rawFlag = env.LSF_DOCKER_RUN_RAW_ARGS;
  const rawArgs = rawFlag !== undefined && rawFlag !== '' && parseBool(rawFlag) === true;
  if (rawFlag !== undefined && rawFlag !== '' && parseBool(rawFlag) === undefined) {
    problems.add('LSF_DOCKER_RUN_RAW_ARGS', `"${rawFlag}" is not 1 or 0`);
  }
  if (rawArgs && !(command.length === 1 && command[0]!.trim() === PLACE_HOLDER)) {
    problems.add(
      'LSF_DOCKER_RUN_RAW_ARGS',
      `the command must be exactly ${PLACE_HOLDER} (the image's own command runs)`,
    );
  }
  if (!rawArgs && command.join(' ').trim() === '') problems.add('COMMAND', 'no command given');

  const entrypoint = absolute(problems, 'LSF_DOCKER_ENTRYPOINT', env.LSF_DOCKER_ENTRYPOINT);
  const workdir = absolute(problems, 'LSF_DOCKER_WORKDIR', env.LSF_DOCKER_WORKDIR);
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
      .map((w) => absolute(problems, variable, w.startsWith('/') ? w : `${ctx.cwd}/${w}`))
      .filter((p): p is string => p !== undefined);
  const addHostFiles = pathList('LSF_DOCKER_ADD_HOST_FILE');
  const envFiles = pathList('LSF_DOCKER_ENV_FILE');

  let shmSize: number | undefined;
  if (env.LSF_DOCKER_SHM_SIZE !== undefined && env.LSF_DOCKER_SHM_SIZE.trim() !== '') {
    shmSize = parseSize(env.LSF_DOCKER_SHM_SIZE);
    if (shmSize === undefined || shmSize === 0) {
      problems.add('LSF_DOCKER_SHM_SIZE', `"${env.LSF_DOCKER_SHM_SIZE}" is not a size such as 512m or 4g`);
    }
  }
  let preserveEnvironment: boolean | undefined;
  const preserve = env.LSF_DOCKER_PRESERVE_ENVIRONMENT;
  if (preserve !== undefined && preserve.trim() !== '') {
    preserveEnvironment = parseBool(preserve);
    if (preserveEnvironment === undefined)
      problems.add('LSF_DOCKER_PRESERVE_ENVIRONMENT', `"${preserve}" is not true or false`);
  }
  let logLevel: LogLevel | undefined;
  if (env.LSF_DOCKER_RUN_LOGLEVEL !== undefined && env.LSF_DOCKER_RUN_LOGLEVEL.trim() !== '') {
    logLevel = parseLogLevel(env.LSF_DOCKER_RUN_LOGLEVEL);
    if (!logLevel) {
      problems.add(
        'LSF_DOCKER_RUN_LOGLEVEL',
        `"${env.LSF_DOCKER_RUN_LOGLEVEL}" is not CRITICAL, ERROR, WARNING, INFO or DEBUG`,
      );
    }
  }
  const job = parseJob(problems, env, ctx.cwd, ctx.hostname);
  const network = mode(problems, 'LSF_DOCKER_NETWORK', env.LSF_DOCKER_NETWORK);
  const ipc = mode(problems, 'LSF_DOCKER_IPC', env.LSF_DOCKER_IPC);
  const cgroupParent = absolute(problems, 'LSF_DOCKER_CGROUP', env.LSF_DOCKER_CGROUP);
  problems.throwIfAny();
  return {
    imageText,
    imageVariable,
    image: (image as { ok: true; ref: JobRequest['image'] }).ref,
    command,
    rawArgs,
    entrypoint,
    workdir,
    volumes,
    network,
    ipc,
    shmSize,
    ports,
    addHosts,
    addHostFiles,
    envFiles,
    cgroupParent,
    preserveEnvironment,
    logLevel,
    job,
    env,
  };
}
