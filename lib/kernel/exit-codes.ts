/**
 * Exit codes of the wrapper's own failures. A job's own status (0-255, 128+N for death by
 * signal N) passes through unchanged; these sit in a band (210-229) that ordinary programs and
 * signal deaths (129-192) do not use, one code per cause, documented in docs/exit-codes.md.
 */
export const ExitCode = {
  /** The wrapper's own command line is wrong (unknown option, missing command). */
  USAGE: 210,
  /** The admin config is missing a rule, unreadable, unsafe (writable by others) or has a bad key/value. */
  CONFIG: 211,
  /** A job variable (LSF_DOCKER_*, LSB_*) or the image name breaks its grammar. */
  BAD_REQUEST: 212,
  /** A well-formed request that the admin's policy does not allow (volume root, network, registry...). */
  POLICY: 213,
  /** The user's identity cannot be used (uid 0, unknown user, unreadable file as that user). */
  IDENTITY: 214,
  /** The docker daemon cannot be reached (no socket, permission denied, connection refused). */
  DAEMON_UNREACHABLE: 215,
  /** A docker call did not answer within its timeout (hung daemon). */
  DAEMON_TIMEOUT: 216,
  /** The image does not exist in its registry, or is not present and the pull policy is never. */
  IMAGE_NOT_FOUND: 217,
  /** The registry refused our credentials (or asked for some we do not have). */
  REGISTRY_AUTH: 218,
  /** The registry could not be reached, failed, or rate-limited us, after the retries. */
  REGISTRY_UNAVAILABLE: 219,
  /** The container could not start: bad entrypoint, no /bin/sh, bad workdir, bad device... */
  CONTAINER_START: 220,
  /** An unexpected failure inside the wrapper (a bug): the message says what. */
  INTERNAL: 221,
  /** docker_build: the build itself failed (a Dockerfile step). */
  BUILD_FAILED: 222,
  /** docker_build: one or more tags could not be pushed. */
  PUSH_FAILED: 223,
  /** docker_build: registry login failed. */
  LOGIN_FAILED: 224,
  /** docker_build: a docker build option or tag that policy refuses. */
  BUILD_REFUSED: 225,
  /** A trusted admin profile ([profile NAME]) the user may not use, or that does not exist: nothing started. */
  PROFILE_REFUSED: 226,
  /** docker_exec: the job or its container was not found, or belongs to another user. */
  EXEC_TARGET: 227,
  /** The runtime cannot enforce the job's limits (rootless podman on cgroup v1) and [resources] unenforceable = refuse. */
  UNENFORCEABLE_LIMITS: 228,
  /** The Slurm back-end: sbatch, squeue, scancel or srun failed, or the cluster cannot be reached. */
  SCHEDULER_FAILED: 229,
  /** esub: what LSF expects to reject a submission (LSB_SUB_ABORT_VALUE). */
  ESUB_ABORT: 97,
  /** A container killed by the kernel for exceeding its memory limit: like LSF's memlimit kill. */
  OOM_KILLED: 137,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

/**
 * Statuses that are not the wrapper's own failures but conventions it follows or reads: the
 * shell's, the container runtimes' (`docker run` and `podman run` alike), and LSF's commands'.
 */
export const Status = {
  OK: 0,
  /** timeout(1) and our own call timeouts: the command did not finish in time. */
  TIMED_OUT: 124,
  /** `docker run` / `podman run`: the runtime itself failed (the container never ran). */
  RUNTIME_FAILED: 125,
  /** The shell's (and the runtimes'): the command exists but cannot be executed. */
  CANNOT_EXECUTE: 126,
  /** The shell's (and the runtimes'): the command was not found, or could not be started at all. */
  NOT_FOUND: 127,
  /** A death by signal N is reported as SIGNALLED + N (the shell's convention; LSF's too). */
  SIGNALLED: 128,
  /** LSF's job-control commands (bjobs, bkill, bpeek) when a job is not found or already finished. */
  LSF_COMMAND_FAILED: 255,
  /** A command that checked something and found it wanting (doctor: not ready). */
  FAILED: 1,
  /** The largest exit status a process can have. */
  MAX: 255,
} as const;
