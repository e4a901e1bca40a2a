/**
 * The runtime seam: what the job, pull, sweep, exec and build code may ask of a container
 * runtime. Docker (lib/runtime/docker) is the first implementation, podman (lib/runtime/podman)
 * a small delta over it, and lib/runtime/fake.ts stands in for both in unit tests. Nothing above
 * this layer builds a runtime's argv or reads its messages.
 */
import type { Readable } from 'node:stream';
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

/** A running long command: await it for its SpawnResult; its pipes and kill() meanwhile. */
export type Spawned = Promise<SpawnResult> & {
  pid: number | undefined;
  stdout: Readable | null;
  stderr: Readable | null;
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

/** What a runtime can and cannot do on this host, for policy and the docs. */
export interface RuntimeCapabilities {
  name: RuntimeName;
  rootless: boolean;
  /** Memory, cpu and pids limits are enforced (rootless podman on cgroup v1: no). */
  enforcesLimits: boolean;
  pauseResume: boolean;
  /** Added capabilities stay out of the job user's effective and ambient sets. */
  capsStayInBoundingSet: boolean;
  /** `--gpus` works (docker with the NVIDIA runtime); otherwise CDI devices. */
  gpusFlag: boolean;
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

export interface ContainerRuntime {
  readonly name: RuntimeName;
  readonly capabilities: RuntimeCapabilities;
  readonly exec: RuntimeExec;
  readonly classify: RuntimeClassifier;
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
}
