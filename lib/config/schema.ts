import { cpus } from 'node:os';
import { parseImageRef } from '../kernel/grammar/image.js';
import { parseAbsolutePath } from '../kernel/grammar/path.js';
import { parseSize } from '../kernel/grammar/size.js';
import { parseBool } from '../kernel/grammar/words.js';
import { type LogLevel, parseLogLevel } from '../kernel/log/levels.js';
import { type MountSpec, parseMountSpec } from './mount-spec.js';

/** The admin's policy and settings, typed. Every key is documented in templates/lsf-docker.conf. */
export interface Config {
  docker: {
    binary: string;
    host: string | undefined;
    timeout: number;
    pull: 'always' | 'missing' | 'never';
    pullTimeout: number;
    pullRetries: number;
    pullBackoff: number;
  };
  images: { allowRegistries: string[]; aliases: Record<string, string> };
  volumes: { allow: string[]; allowHome: boolean; denyTargets: string[] };
  mounts: { mount: MountSpec[] };
  security: {
    capAdd: string[];
    selinuxLabels: string[];
    pidsLimit: number;
    allowCgroupParent: string[];
    allowRawArgs: boolean;
    allowEntrypoint: boolean;
  };
  network: { allow: string[] };
  ipc: { allow: string[] };
  ports: { first: number; last: number; requireReservation: boolean };
  resources: {
    memory: number | undefined;
    maxMemory: number | undefined;
    swap: 'none' | 'unlimited';
    cpuSharesPerSlot: number;
    ulimits: string[];
    maxShmSize: number | undefined;
  };
  devices: { gpus: 'allocated' | 'all' | 'off'; gpuDevDir: string; infiniband: string[] };
  environment: { deny: string[]; preserve: boolean };
  paths: { tmpRoot: string; jobTmpRoot: string };
  job: { terminateInterval: number; sweepOnStart: boolean };
  log: { level: LogLevel };
  local: { slots: number; stateDir: string | undefined; jobStarter: string | undefined };
  build: {
    allowNetworkHost: boolean;
    requireUserNamespace: boolean;
    allowRegistries: string[];
    defaultRegistry: string;
  };
}

/** RIS's capability list; --cap-drop=all comes first, these are the only ones added back. */
export const RIS_CAPABILITIES = ['CHOWN', 'KILL', 'SETPCAP', 'IPC_LOCK', 'SYS_NICE'];
export const RIS_SELINUX_LABELS = ['user:user_u', 'role:user_r', 'type:user_t', 'level:s0'];
export const RIS_INFINIBAND = [
  '/dev/infiniband/issm0',
  '/dev/infiniband/rdma_cm',
  '/dev/infiniband/ucm0',
  '/dev/infiniband/umad0',
  '/dev/infiniband/uverbs0',
];

/** Linux capabilities docker knows (without the CAP_ prefix). */
export const CAPABILITIES = new Set(
  'AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG SYSLOG WAKE_ALARM'.split(
    ' ',
  ),
);

type Parse<T> = (raw: unknown, key: string) => T;
export class ConfigValueError extends Error {}
const fail = (message: string): never => {
  throw new ConfigValueError(message);
};

const str: Parse<string> = (raw) =>
  typeof raw === 'string'
    ? raw.trim()
    : typeof raw === 'boolean'
      ? String(raw)
      : fail('must be a single value');
const list: Parse<string[]> = (raw) =>
  Array.isArray(raw)
    ? raw.map((v) => String(v).trim()).filter((v) => v !== '')
    : fail('must be a list: write KEY[] = VALUE, one per line');
const bool: Parse<boolean> = (raw) => {
  const b = typeof raw === 'boolean' ? raw : parseBool(str(raw, ''));
  return b ?? fail('must be true or false');
};
const int =
  (min: number, max: number): Parse<number> =>
  (raw) => {
    const text = str(raw, '');
    if (!/^\d+$/.test(text)) return fail(`must be a whole number from ${min} to ${max}`);
    const n = Number(text);
    return n >= min && n <= max ? n : fail(`must be a whole number from ${min} to ${max}`);
  };
const seconds =
  (max: number): Parse<number> =>
  (raw) => {
    const text = str(raw, '');
    const n = Number(text);
    return /^\d+(\.\d+)?$/.test(text) && n > 0 && n <= max
      ? n
      : fail(`must be a number of seconds, above 0 and at most ${max}`);
  };
const oneOf =
  <T extends string>(...values: T[]): Parse<T> =>
  (raw) => {
    const text = str(raw, '').toLowerCase();
    return (values as string[]).includes(text) ? (text as T) : fail(`must be one of ${values.join(', ')}`);
  };
const absPath: Parse<string> = (raw) => {
  const parsed = parseAbsolutePath(str(raw, ''));
  return parsed.ok ? parsed.path : fail(parsed.reason);
};
const absPaths: Parse<string[]> = (raw, key) => list(raw, key).map((v) => absPath(v, key));
const size: Parse<number | undefined> = (raw) => {
  const text = str(raw, '');
  if (text === '') return undefined;
  return parseSize(text) ?? fail('must be a size such as 4096m or 4g');
};
const capabilities: Parse<string[]> = (raw, key) =>
  list(raw, key).map((cap) => {
    const name = cap.toUpperCase().replace(/^CAP_/, '');
    return CAPABILITIES.has(name) ? name : fail(`"${cap}" is not a Linux capability`);
  });
const ulimits: Parse<string[]> = (raw, key) =>
  list(raw, key).map((u) =>
    /^[a-z]+=-?\d+(:-?\d+)?$/.test(u) ? u : fail(`"${u}" is not NAME=SOFT[:HARD] (e.g. memlock=-1)`),
  );
const portRange: Parse<[number, number]> = (raw) => {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(str(raw, ''));
  const [a, b] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  return m && a >= 1 && a <= b && b <= 65535 ? [a, b] : fail('must be FIRST-LAST, e.g. 8000-8999');
};
const regexps: Parse<string[]> = (raw, key) =>
  list(raw, key).map((re) => {
    try {
      new RegExp(`^(?:${re})$`);
      return re;
    } catch {
      return fail(`"${re}" is not a regular expression`);
    }
  });
const mounts: Parse<MountSpec[]> = (raw, key) =>
  list(raw, key).map((text) => {
    const parsed = parseMountSpec(text);
    return parsed.ok ? parsed.mount : fail(parsed.reason);
  });
const registries: Parse<string[]> = (raw, key) => list(raw, key);
const logLevel: Parse<LogLevel> = (raw) =>
  parseLogLevel(str(raw, '')) ?? fail('must be CRITICAL, ERROR, WARNING, INFO or DEBUG');
const optionalStr: Parse<string | undefined> = (raw, key) => {
  const s = str(raw, key);
  return s === '' ? undefined : s;
};
const dockerHost: Parse<string | undefined> = (raw, key) => {
  const s = optionalStr(raw, key);
  if (s === undefined) return undefined;
  return /^(unix:\/\/\/\S+|tcp:\/\/\S+|ssh:\/\/\S+)$/.test(s)
    ? s
    : fail('must be unix:///PATH, tcp://HOST:PORT or ssh://HOST');
};
const binary: Parse<string> = (raw, key) => {
  const s = str(raw, key);
  return /^[^\s]+$/.test(s) && (s.startsWith('/') || !s.includes('/'))
    ? s
    : fail('must be an absolute path or a command name on PATH');
};

/** One ini key: where it lives, how it parses, and where the value lands in Config. */
interface KeyDef {
  section: string;
  key: string;
  parse: Parse<unknown>;
  assign: (config: Config, value: never) => void;
}
const def = <T>(
  section: string,
  key: string,
  parse: Parse<T>,
  assign: (config: Config, value: T) => void,
): KeyDef => ({
  section,
  key,
  parse,
  assign: assign as KeyDef['assign'],
});

export const KEYS: KeyDef[] = [
  def('docker', 'binary', binary, (c, v) => (c.docker.binary = v)),
  def('docker', 'host', dockerHost, (c, v) => (c.docker.host = v)),
  def('docker', 'timeout', seconds(3600), (c, v) => (c.docker.timeout = v)),
  def('docker', 'pull', oneOf('always', 'missing', 'never'), (c, v) => (c.docker.pull = v)),
  def('docker', 'pull_timeout', seconds(86400), (c, v) => (c.docker.pullTimeout = v)),
  def('docker', 'pull_retries', int(0, 10), (c, v) => (c.docker.pullRetries = v)),
  def('docker', 'pull_backoff', seconds(600), (c, v) => (c.docker.pullBackoff = v)),
  def('images', 'allow_registries', registries, (c, v) => (c.images.allowRegistries = v)),
  def('volumes', 'allow', absPaths, (c, v) => (c.volumes.allow = v)),
  def('volumes', 'allow_home', bool, (c, v) => (c.volumes.allowHome = v)),
  def('volumes', 'deny_targets', absPaths, (c, v) => (c.volumes.denyTargets = v)),
  def('mounts', 'mount', mounts, (c, v) => (c.mounts.mount = v)),
  def('security', 'cap_add', capabilities, (c, v) => (c.security.capAdd = v)),
  def('security', 'selinux_label', list, (c, v) => (c.security.selinuxLabels = v)),
  def('security', 'pids_limit', int(0, 4194304), (c, v) => (c.security.pidsLimit = v)),
  def('security', 'allow_cgroup_parent', absPaths, (c, v) => (c.security.allowCgroupParent = v)),
  def('security', 'allow_raw_args', bool, (c, v) => (c.security.allowRawArgs = v)),
  def('security', 'allow_entrypoint', bool, (c, v) => (c.security.allowEntrypoint = v)),
  def('network', 'allow', list, (c, v) => (c.network.allow = v)),
  def('ipc', 'allow', list, (c, v) => (c.ipc.allow = v)),
  def('ports', 'range', portRange, (c, v) => {
    c.ports.first = v[0];
    c.ports.last = v[1];
  }),
  def('ports', 'require_reservation', bool, (c, v) => (c.ports.requireReservation = v)),
  def('resources', 'memory', size, (c, v) => (c.resources.memory = v)),
  def('resources', 'max_memory', size, (c, v) => (c.resources.maxMemory = v)),
  def('resources', 'swap', oneOf('none', 'unlimited'), (c, v) => (c.resources.swap = v)),
  def('resources', 'cpu_shares_per_slot', int(2, 262144), (c, v) => (c.resources.cpuSharesPerSlot = v)),
  def('resources', 'ulimit', ulimits, (c, v) => (c.resources.ulimits = v)),
  def('resources', 'max_shm_size', size, (c, v) => (c.resources.maxShmSize = v)),
  def('devices', 'gpus', oneOf('allocated', 'all', 'off'), (c, v) => (c.devices.gpus = v)),
  def('devices', 'gpu_dev_dir', absPath, (c, v) => (c.devices.gpuDevDir = v)),
  def('devices', 'infiniband', absPaths, (c, v) => (c.devices.infiniband = v)),
  def('environment', 'deny', regexps, (c, v) => (c.environment.deny = v)),
  def('environment', 'preserve', bool, (c, v) => (c.environment.preserve = v)),
  def('paths', 'tmp_root', absPath, (c, v) => (c.paths.tmpRoot = v)),
  def('paths', 'job_tmp_root', absPath, (c, v) => (c.paths.jobTmpRoot = v)),
  def('job', 'terminate_interval', seconds(3600), (c, v) => (c.job.terminateInterval = v)),
  def('job', 'sweep_on_start', bool, (c, v) => (c.job.sweepOnStart = v)),
  def('log', 'level', logLevel, (c, v) => (c.log.level = v)),
  def('local', 'slots', int(1, 100000), (c, v) => (c.local.slots = v)),
  def('local', 'state_dir', absPath, (c, v) => (c.local.stateDir = v)),
  def('local', 'job_starter', absPath, (c, v) => (c.local.jobStarter = v)),
  def('build', 'allow_network_host', bool, (c, v) => (c.build.allowNetworkHost = v)),
  def('build', 'require_user_namespace', bool, (c, v) => (c.build.requireUserNamespace = v)),
  def('build', 'allow_registries', registries, (c, v) => (c.build.allowRegistries = v)),
  def('build', 'default_registry', str, (c, v) => (c.build.defaultRegistry = v)),
];

/** Sections whose keys are free-form names rather than fixed keys. */
export const ALIAS_SECTION = 'image_aliases';

export function validateAlias(name: string, value: unknown): string {
  // Lower case only: a job names the alias where an image reference goes, and those are lower case.
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
    fail(`alias name "${name}" must be lower-case letters, digits, . _ -`);
  const target = str(value, name);
  const parsed = parseImageRef(target);
  return parsed.ok ? target : fail(`"${target}" ${parsed.reason}`);
}

/** The built-in defaults: what a host without a config file gets. */
export function defaultConfig(): Config {
  return {
    docker: {
      binary: 'docker',
      host: undefined,
      timeout: 60,
      pull: 'missing',
      pullTimeout: 1800,
      pullRetries: 3,
      pullBackoff: 2,
    },
    images: { allowRegistries: [], aliases: {} },
    volumes: { allow: [], allowHome: true, denyTargets: [] },
    mounts: { mount: [] },
    security: {
      capAdd: [...RIS_CAPABILITIES],
      selinuxLabels: [...RIS_SELINUX_LABELS],
      pidsLimit: 4096,
      allowCgroupParent: [],
      allowRawArgs: true,
      allowEntrypoint: true,
    },
    network: { allow: ['default', 'bridge', 'none', 'host'] },
    ipc: { allow: ['default', 'private', 'shareable', 'none', 'host'] },
    ports: { first: 8000, last: 8999, requireReservation: false },
    resources: {
      memory: 4096 * 1024 * 1024,
      maxMemory: undefined,
      swap: 'none',
      cpuSharesPerSlot: 1024,
      ulimits: [],
      maxShmSize: undefined,
    },
    devices: { gpus: 'allocated', gpuDevDir: '/dev', infiniband: [...RIS_INFINIBAND] },
    environment: { deny: [], preserve: true },
    paths: { tmpRoot: '/tmp', jobTmpRoot: '/tmp' },
    job: { terminateInterval: 10, sweepOnStart: true },
    log: { level: 'WARNING' },
    local: { slots: Math.max(1, cpus().length), stateDir: undefined, jobStarter: undefined },
    build: {
      allowNetworkHost: false,
      requireUserNamespace: false,
      allowRegistries: [],
      defaultRegistry: 'docker.io',
    },
  };
}
