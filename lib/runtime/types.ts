/**
 * The runtime seam: what the job, pull, sweep, exec and build code may ask of a container
 * runtime. Docker (lib/runtime/docker) is the first implementation, podman (lib/runtime/podman)
 * a small delta over it, and lib/runtime/fake.ts stands in for both in unit tests. Nothing above
 * this layer builds a runtime's argv or reads its messages.
 */
import type { Identity } from '../host/identity.js';
import type { JobFiles } from '../host/private-dir.js';
import type { WrapperError } from '../kernel/errors.js';
import type { ContainerSpec } from './container-spec.js';

export type RuntimeName = 'docker' | 'podman';

/** What runArgv turns into a run argv: the runtime-neutral spec policy decided (lib/job/launch.ts reads it). */
export type RunInput = ContainerSpec;

/** The outcome of one short CLI call. */
export interface CallResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The signal that ended the CLI process, if any. */
  signal?: string;
}

/** How a long-running command (run, build, exec) ended. */
export interface SpawnResult {
  exitCode?: number;
  signal?: string;
  /** The CLI could not be started at all (e.g. the binary is missing). */
  error?: string;
}

/** A pipe of a long command: its chunks as they come (a child's Readable, or the Engine API run's ChunkPipe). */
export interface OutputSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** A running long command: await it for its SpawnResult; its pipes and kill() meanwhile. */
export type Spawned = Promise<SpawnResult> & {
  pid: number | undefined;
  stdout: OutputSource | null;
  stderr: OutputSource | null;
  kill(signal?: NodeJS.Signals): boolean;
};

/** stdio of a long command: the job's terminal and output (inherit) or pipes. */
export interface SpawnStdio {
  stdin: 'inherit' | 'ignore' | 'pipe';
  stdout: 'inherit' | 'pipe';
  stderr: 'inherit' | 'pipe';
}

/**
 * The exec door: every process of a runtime's CLI goes through it, as an argv array (never a
 * shell), with the environment and private config dir the runtime built, a timeout on every
 * short call, and a DEBUG line with the argv exactly as executed (secrets redacted).
 */
export interface RuntimeExec {
  readonly binary: string;
  /** Seconds a short call may take unless told otherwise ([docker] timeout). */
  readonly timeout: number;
  /** Runs a short command and collects its output; never throws for a non-zero exit. */
  call(args: string[], opts?: { timeout?: number; input?: string }): Promise<CallResult>;
  /** Starts a long command, in its own process group when DETACHED. */
  spawn(args: string[], stdio: SpawnStdio, opts: { detached: boolean }): Spawned;
}

/** What the run CLI printed on stderr: held back until the container existed, its tail kept. */
export interface RunStderr {
  /** What was held back (the runtime's own complaints before the container existed). */
  held: string;
  /** The last 16 KiB of everything. */
  tail: string;
  /** Whether it has been passed through (the container existed). */
  released: boolean;
}

/** How one run CLI process ended, before classification. */
export interface RunEnd extends SpawnResult {
  /** The watchdog killed the CLI: no container within [docker] timeout. */
  hung: boolean;
  stderr: RunStderr;
}

/** A run, in the wrapper's terms. */
export type RunVerdict =
  /** The job ran: this is its own exit status. */
  | { kind: 'job-status'; status: number }
  /** The image is not on this host: pull it and run again (only when the caller may pull). */
  | { kind: 'image-missing' }
  /** The container could not be started (or the daemon failed): a wrapper failure with its own code. */
  | { kind: 'start-failure'; error: WrapperError }
  /**
   * The run did not end by itself (the CLI could not start, the watchdog, the CLI killed by a
   * signal): the container may still exist and must be removed. ERROR, else 128+SIGNAL.
   */
  | { kind: 'lost'; error?: WrapperError; signal?: string };

export type PullVerdict = { kind: 'ok' } | { kind: 'failed'; error: WrapperError; retryable: boolean };

/**
 * What the runtime's CLI said, in the wrapper's terms: the one place its messages are matched.
 * Every other module asks these questions and never reads the CLI's stderr itself.
 */
export interface RuntimeClassifier {
  /** The last meaningful line of what the CLI printed, without its noise. */
  reason(stderr: string): string;
  /** A daemon that cannot be reached or did not answer WHAT within TIMEOUT; undefined when that is not the problem. */
  daemon(
    result: Pick<CallResult, 'stderr' | 'timedOut'>,
    what: string,
    timeout: number,
  ): WrapperError | undefined;
  /** A run that ended: the job's status, a missing image (when MAYPULL), a start failure, or lost. */
  run(end: RunEnd, opts: { image: string; timeout: number; mayPull: boolean }): RunVerdict;
  /** A pull that ended (timed out after TIMEOUT seconds, or failed). */
  pull(image: string, result: CallResult, timeout: number): PullVerdict;
  /** A control call failed because the container does not exist (yet) or does not run. */
  containerAbsent(result: CallResult): boolean;
}

/** One container a label query found, parsed from the runtime's JSON output. */
export interface FoundContainer {
  id: string;
  /** Without docker's leading "/". */
  name: string;
  labels: Readonly<Record<string, string>>;
  running: boolean;
  /** Config.User: "uid:gid" as docker_run set it. */
  user: string;
  workdir: string;
}

/** The outcome of a control call: done, the container is not there (yet), or another failure. */
export type ControlResult = { ok: true } | { ok: false; absent: boolean; message: string };

/** Controls one job's container through the runtime (never through the attached CLI). */
export interface ContainerControl {
  /** The id the runtime wrote to the cidfile, or the unique name before that. */
  target(): string;
  /** Whether the runtime has created the container (written its id to the cidfile). */
  created(): boolean;
  signal(signal: string): Promise<ControlResult>;
  pause(): Promise<ControlResult>;
  resume(): Promise<ControlResult>;
  /** Kills at once (no grace period) and removes the container (absent: it was not there). */
  remove(): Promise<ControlResult>;
  /** After an exit of 137: did the kernel's OOM killer end it (since SINCEMS, Unix ms)? */
  wasOomKilled(sinceMs: number): Promise<boolean>;
}

/**
 * What a runtime can and cannot do on this host, for policy and the docs: policy judges these
 * facts (lib/policy/rules/runtime-fit.ts), never the runtime's name.
 */
export interface RuntimeCapabilities {
  name: RuntimeName;
  rootless: boolean;
  /** The runtime on this host in a few words, for messages ("rootless podman on cgroup v1"). */
  summary: string;
  /** Memory, cpu and pids limits and a cgroup parent are enforced (rootless podman on cgroup v1: no). */
  enforcesLimits: boolean;
  /** The container can be frozen (pause/unpause); otherwise SIGTSTP stops its processes with SIGSTOP. */
  pauseResume: boolean;
  /** Added capabilities stay out of the job user's effective and ambient sets. */
  capsStayInBoundingSet: boolean;
  /** `--gpus` works (docker with the NVIDIA runtime); otherwise CDI devices. */
  gpusFlag: boolean;
  /** The user's supplementary host groups reach the job (rootless podman: they would be sub-gids). */
  hostGroups: boolean;
  /** `--add-host NAME:host-gateway` is understood (docker's name for the host; podman 4.3 refuses it). */
  hostGateway: boolean;
}

/** `exec` into a running container as USER (uid:gid) with an env-file, for docker_exec. */
export interface ExecOptions {
  user: string;
  envFile: string;
  interactive: boolean;
  tty: boolean;
  /** The argv run in the container. */
  command: string[];
}

/** One image of the runtime's store, parsed from its inspect JSON. */
export interface ImageInfo {
  /** sha256:HEX. */
  id: string;
  /** name:tag references, as the runtime lists them. */
  repoTags: string[];
  /** name@digest references (what was pulled by digest, or the digest a tag was pulled at). */
  repoDigests: string[];
  /** Bytes, shared layers included. */
  size: number;
  /** When the image was built (Unix ms). */
  created: number;
  /** When a reference was last added here (a pull, a tag; Unix ms), if the runtime keeps it. */
  lastTagTime?: number;
  /** Layer diff ids, base first. */
  layers: string[];
  os: string;
  architecture: string;
  variant?: string;
  /** Config.User ('' when unset: root). */
  user: string;
  entrypoint?: string[];
  cmd?: string[];
}

/** What `/bin/sh -c true` did in a throw-away container of an image (the doctor's probe). */
export interface ShellProbe {
  ok: boolean;
  detail: string;
}

/**
 * The runtime's image store, for the image GC and the image doctor. Every answer is parsed from
 * JSON; removing never forces (a container, running or stopped, keeps its image).
 */
export interface ImageStore {
  /** Every image (tagged or dangling; not the intermediate layers of builds). */
  list(): Promise<ImageInfo[]>;
  /** One image by reference or id; undefined when it is not on this host. */
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** Removes one reference (a tag, a name@digest) or an id, never forced. */
  remove(ref: string): Promise<ControlResult>;
  /** The image ids of every container, running or stopped. */
  inUse(): Promise<Set<string>>;
  /** The directory the store lives in (for percent-of-disk watermarks), if the runtime says. */
  storeDir(): Promise<string | undefined>;
  /** Runs `/bin/sh -c true` in a throw-away locked-down container of REF (no network, nobody). */
  probeShell(ref: string): Promise<ShellProbe>;
}

export interface ContainerRuntime {
  readonly name: RuntimeName;
  readonly capabilities: RuntimeCapabilities;
  readonly exec: RuntimeExec;
  readonly classify: RuntimeClassifier;
  /** The image store (GC, doctor). */
  readonly imageStore: ImageStore;
  /** The run argv (without the binary) for INPUT with the job's private FILES. Pure. */
  runArgv(input: RunInput, files: JobFiles): string[];
  /**
   * Starts the job's container without the run CLI (the Engine API transport,
   * lib/runtime/docker-api); a runtime without it has its runArgv spawned through exec. The
   * Spawned settles as the CLI's would: the job's status, or how the start failed.
   */
  startRun?(input: RunInput, files: JobFiles, stdio: SpawnStdio, opts: { detached: boolean }): Spawned;
  /** The pull argv (without the binary). Pure. */
  pullArgv(image: string): string[];
  /** The exec argv (without the binary) into CONTAINER. Pure. */
  execArgv(container: string, opts: ExecOptions): string[];
  /** The login argv (without the binary) for USER at SERVER; the password goes to its stdin. Pure. */
  loginArgv(server: string, user: string): string[];
  /** The push argv (without the binary) of the image REF. Pure. */
  pushArgv(ref: string): string[];
  /** The argv of a call that proves the runtime answers, printing one line about it (doctor). Pure. */
  versionArgv(): string[];
  /** Is IMAGE on this host? Throws the daemon's WrapperError when it cannot tell. */
  imagePresent(image: string): Promise<boolean>;
  /** The control of the container named NAME whose id the runtime writes to CIDFILE. */
  control(name: string, cidfile: string): ContainerControl;
  /**
   * Containers (running or not) carrying every label of QUERY, parsed from JSON. Throws the
   * daemon's WrapperError, or an Error naming the command, when it cannot list them.
   */
  find(query: Readonly<Record<string, string>>): Promise<FoundContainer[]>;
  /** Removes the container ID at once (no grace period); absent: it was not there. */
  remove(id: string): Promise<ControlResult>;
  /** Host pids of the processes in CONTAINER (empty when it cannot tell). */
  hostPids(container: string): Promise<number[]>;
  /**
   * The host directories of IMAGE's filesystem layers, top first (docker's overlay2, podman's
   * overlay), for reading its symlinks as root; or that the image is absent, or present in a store
   * that is not read that way (its driver's name).
   */
  imageLayers(image: string): Promise<ImageLayers>;
}

/** What a runtime says of an image's layers (ContainerRuntime.imageLayers). */
export type ImageLayers =
  | { kind: 'absent' }
  | { kind: 'layers'; dirs: string[] }
  | { kind: 'unreadable'; driver: string };

/** Where a root CLI's private files go when it acts for a user (docker_build's root session). */
export interface RootSessionFiles {
  /** The session's private 0700 dir (root's). */
  dir: string;
  /** The CLI's HOME inside it. */
  privateHome: string;
  /** The user's real home, whose logins are copied (only the registry entries). */
  userHome: string;
  /** Reads a file with the user's rights. */
  readUserFile: (path: string) => string;
}

/**
 * How docker_build sets up an engine's CLI, which it drives itself (build, login, push): the
 * environment as the user or as root for the user, and where registry logins are kept. One row
 * per engine, beside the engine table of create.ts.
 */
export interface CliProfile {
  /** The user's own login file (the CLI writes it as the user; as root, the wrapper merges into it as the user). */
  loginFile(home: string): string;
  /** The CLI's environment when it runs as the user. */
  userEnvironment(user: Pick<Identity, 'home' | 'uid'>, host: string | undefined): Record<string, string>;
  /** As root for the user: the environment with a private HOME and logins, and the private login file. */
  rootEnvironment(
    files: RootSessionFiles,
    host: string | undefined,
  ): { env: Record<string, string>; loginFile: string };
}
