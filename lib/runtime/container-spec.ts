/**
 * ContainerSpec: everything a job's container will be given, decided and checked by policy,
 * runtime-neutral (typed values, no CLI syntax) and grouped by concern, after podman's specgen.
 * Each runtime (lib/runtime/docker, lib/runtime/podman) turns it into its own argv; the job's
 * files (passwd, group, script, env-file) are rendered from it (lib/job/artifacts.ts).
 */

/** Why a mount is there, for the DEBUG log and the dry-run. */
export type MountOrigin = 'cwd' | 'tmpdir' | 'admin' | 'user' | 'wrapper' | 'jobfile';

export interface BindMount {
  /** Absolute host path, resolved and checked by policy. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
  propagation?: 'rprivate' | 'private' | 'rshared' | 'shared' | 'rslave' | 'slave';
  origin: MountOrigin;
}

/** One user or group line of the container's minimal /etc/passwd and /etc/group. */
export interface IdentitySpec {
  uid: number;
  gid: number;
  /** Supplementary group ids, in order, without the primary one. */
  groups: number[];
  user: string;
  home: string;
  shell: string;
  /** gid -> name for every group above that has a name on the host. */
  groupNames: ReadonlyMap<number, string>;
}

export interface StorageSpec {
  /** The job's mounts, in order (the wrapper's own passwd, group and script are added by the runtime). */
  mounts: BindMount[];
  workdir: string;
}

export interface SecuritySpec {
  /** Capabilities added to an empty set (every other one is dropped). Upper case, no CAP_ prefix. */
  capAdd: string[];
  /** SELinux label parts, e.g. "type:user_t". */
  selinuxLabels: string[];
  /** Always true today; typed so that a runtime cannot forget it. */
  noNewPrivileges: true;
  /** The runtime's privileged mode: root-equivalent ([security] privileged, meant for a trusted profile). */
  privileged?: true;
}

/** RANGE consecutive ports from HOSTPORT on the host to CONTAINERPORT inside (podman's PortMapping). */
export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** How many ports: 1 for a single port. */
  range: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface ExtraHost {
  name: string;
  /** An IP address, or the special value host-gateway. */
  address: string;
}

export interface NetworkSpec {
  hostname: string;
  /** undefined: the runtime's default network. */
  mode?: string;
  /** undefined: the runtime's default ipc namespace. */
  ipc?: string;
  /** Bytes of /dev/shm; undefined: the runtime's default. */
  shmSize?: number;
  ports: PortMapping[];
  extraHosts: ExtraHost[];
}

/** One resource limit; -1 means unlimited. */
export interface Ulimit {
  /** As ulimit names it: nofile, memlock, stack, ... */
  name: string;
  soft: number;
  hard: number;
}

export interface ResourcesSpec {
  cpuShares: number;
  /** Bytes. */
  memory?: number;
  /** 'none': memory+swap equals memory; 'unlimited': no swap limit. Only with a memory limit. */
  swap: 'none' | 'unlimited';
  ulimits: Ulimit[];
  pidsLimit: number;
  /** The cgroup the container's own cgroup is created under; undefined: the runtime's default. */
  cgroupParent?: string;
}

export type GpuSpec = { kind: 'none' } | { kind: 'all' } | { kind: 'devices'; ids: string[] };

export interface DevicesSpec {
  /** Host device nodes passed through at the same path (only those present). */
  paths: string[];
  gpus: GpuSpec;
}

export interface ProcessSpec {
  entrypoint?: string;
  /** The container's command after the image: the job script, the job file, or the raw args. */
  command: string[];
  /** The generated job script (rendered by lib/job/artifacts.ts); undefined when the image's own command or a job file runs. */
  script?: JobScript;
  /**
   * The container's environment as its env-file's text: NAME=value entries in order, each name
   * once, one per line, each ended by a newline (none holds one: such values are dropped). Made
   * once, and natively for the launcher's own environment (a job may carry 10,000); the Engine
   * API's Env list is split from it (envFileEntries).
   */
  envFile: string;
  interactive: boolean;
  tty: boolean;
  init: true;
}

/** The job script: LSF's command words, joined by one space under #!/bin/sh, as bsub does. */
export interface JobScript {
  words: string[];
}

export interface ImageSpec {
  ref: string;
  /** Whether to pull first: always, only when missing, or never. */
  pull: 'always' | 'missing' | 'never';
}

export interface ContainerSpec {
  /** The container's unique name. */
  name: string;
  labels: Array<[string, string]>;
  image: ImageSpec;
  identity: IdentitySpec;
  storage: StorageSpec;
  security: SecuritySpec;
  network: NetworkSpec;
  resources: ResourcesSpec;
  devices: DevicesSpec;
  process: ProcessSpec;
  /** Policy decisions, for the DEBUG log and the dry-run. */
  decisions: string[];
  /**
   * What the runtime cannot give the job and the admin lets it run without (limits, host groups):
   * one line each, shown in the job's output before it starts. Never empty silently: see
   * lib/policy/rules/runtime-fit.ts.
   */
  warnings?: string[];
}

/** Paths inside the container that the wrapper itself uses. */
export const CONTAINER_DIR = '/lsf-docker';
export const CONTAINER_SCRIPT = `${CONTAINER_DIR}/job.sh`;
