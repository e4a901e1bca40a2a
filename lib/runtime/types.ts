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

export interface SpawnOptions {
  /** stdio of the child: inherit (a job with a terminal) or pipes. */
  stdio: 'inherit' | 'pipe' | ['inherit' | 'pipe' | 'ignore', 'inherit' | 'pipe', 'inherit' | 'pipe'];
  /** Own process group (unless the job has a terminal). */
  detached: boolean;
}

/**
 * The exec door: every process of a runtime's CLI goes through it, as an argv array (never a
 * shell), with the environment and private config dir the runtime built, a timeout on every
 * short call, and a DEBUG line with the argv exactly as executed (secrets redacted).
 */
export interface RuntimeExec {
  readonly binary: string;
  call(args: string[], opts?: { timeout?: number; input?: string }): Promise<CallResult>;
  spawn(args: string[], opts: SpawnOptions): Spawned;
}

/** What the CLI said when a command failed, in the wrapper's terms. */
export type Classified =
  | { kind: 'ok' }
  /** The daemon (or the runtime's service) cannot be reached or hangs. */
  | { kind: 'daemon'; error: WrapperError }
  /** The image is not on this host (an optimistic run must pull and retry). */
  | { kind: 'image-missing' }
  /** The container could not be started: a wrapper failure with its own code. */
  | { kind: 'start-failure'; error: WrapperError }
  /** The job ran: this is its own exit status. */
  | { kind: 'job-status'; status: number };

/** One container a label query found, parsed from the runtime's JSON output. */
export interface FoundContainer {
  id: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  /** running, exited, created, paused, ... as the runtime says. */
  state: string;
  /** Unix seconds, when the runtime says. */
  created?: number;
}

/** Controls one job's container through the runtime (never through the attached CLI). */
export interface ContainerControl {
  /** The id the runtime wrote to the cidfile, or the unique name before that. */
  target(): string;
  signal(signal: string): Promise<CallResult>;
  pause(): Promise<CallResult>;
  resume(): Promise<CallResult>;
  /** Kills at once (no grace period) and removes the container; a missing one is fine. */
  remove(): Promise<CallResult>;
  /** After an exit of 137: did the kernel's OOM killer end it? */
  wasOomKilled(): Promise<boolean>;
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

export interface ContainerRuntime {
  readonly capabilities: RuntimeCapabilities;
  readonly exec: RuntimeExec;
  /** The run argv (without the binary) for SPEC with the job's private FILES. */
  runArgv(spec: ContainerSpec, files: JobFiles): string[];
  pullArgv(image: string): string[];
  /** `exec` into a running container as UID:GID with an env-file, for docker_exec. */
  execArgv(container: string, opts: ExecOptions): string[];
  /** Is IMAGE on this host? */
  imagePresent(image: string): Promise<boolean>;
  /** What a failed command said; `phase` tells which command it was. */
  classify(
    phase: 'run' | 'pull' | 'exec' | 'call',
    result: CallResult | SpawnResult,
    stderr: string,
  ): Classified;
  control(name: string, cidfile: string): ContainerControl;
  /** Containers (running or not) carrying every label of QUERY, parsed from JSON. */
  find(query: Readonly<Record<string, string>>): Promise<FoundContainer[]>;
}

export interface ExecOptions {
  user: string;
  workdir?: string;
  envFile?: string;
  interactive: boolean;
  tty: boolean;
  command: string[];
}
