/**
 * What the docker CLI said, in the wrapper's terms: the one place docker's messages are matched
 * (DockerClassifier at the end is the runtime seam's view of it; the functions stay exported for
 * the build code and the tests).
 */
import { WrapperError } from '../../kernel/errors.js';
import { ExitCode, Status } from '../../kernel/exit-codes.js';
import type { CallResult, PullVerdict, RunEnd, RuntimeClassifier, RunVerdict } from '../types.js';

/** The last meaningful line docker printed, without its "docker: Error response from daemon:" noise. */
export function dockerReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See '.*--help'\.?$/.test(l) && !/^Run '.*--help'/.test(l));
  const errorLine = [...lines]
    .reverse()
    .find((l) => /error|denied|not found|unauthorized|refused|failed|cannot|no such/i.test(l));
  return (errorLine ?? lines.at(-1) ?? 'no message')
    .replace(/^docker: /, '')
    .replace(/^Error response from daemon: /, '')
    .replace(/\s+/g, ' ')
    .slice(0, 400);
}

const UNREACHABLE = // also: the docker binary itself missing (spawn ... ENOENT)
  /Cannot connect to the Docker daemon|Is the docker daemon running|permission denied while trying to connect to the Docker daemon|dial unix .*(no such file|connection refused|permission denied)|error during connect|spawn \S+ ENOENT/i;

/** A daemon that cannot be reached, whatever the command: undefined when that is not the problem. */
export function daemonProblem(
  stderr: string,
  timedOut: boolean,
  what: string,
  timeout: number,
): WrapperError | undefined {
  if (timedOut) {
    return new WrapperError(
      ExitCode.DAEMON_TIMEOUT,
      `docker ${what} did not answer within ${timeout}s: the docker daemon seems hung`,
      'docker',
    );
  }
  if (UNREACHABLE.test(stderr)) {
    return new WrapperError(
      ExitCode.DAEMON_UNREACHABLE,
      `cannot reach the docker daemon: ${dockerReason(stderr)}`,
      'docker',
    );
  }
  return undefined;
}

export type PullFailure = { error: WrapperError; retryable: boolean };

/** Why a pull failed, and whether trying again may help. */
export function classifyPullFailure(image: string, stderr: string): PullFailure {
  const reason = dockerReason(stderr);
  if (/toomanyrequests|rate limit/i.test(stderr)) {
    return {
      error: new WrapperError(
        ExitCode.REGISTRY_UNAVAILABLE,
        `registry rate limit pulling ${image}: ${reason}`,
        'pull',
      ),
      retryable: true,
    };
  }
  if (
    /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access/i.test(
      stderr,
    )
  ) {
    return {
      error: new WrapperError(
        ExitCode.REGISTRY_AUTH,
        `registry refused our credentials for ${image} (log in with LSB_DOCKER_LOGIN_ONLY=1 and the docker_build application): ${reason}`,
        'pull',
      ),
      retryable: false,
    };
  }
  if (
    /manifest unknown|not found|does not exist|repository name not known|pull access denied|No such image/i.test(
      stderr,
    )
  ) {
    return {
      error: new WrapperError(ExitCode.IMAGE_NOT_FOUND, `image ${image} not found: ${reason}`, 'pull'),
      retryable: false,
    };
  }
  return {
    error: new WrapperError(ExitCode.REGISTRY_UNAVAILABLE, `cannot pull ${image}: ${reason}`, 'pull'),
    retryable: true,
  };
}

/**
 * Tells a container that never started (docker's own error, exit 125-127 with docker's message)
 * apart from a job that exited 125-127 itself. Undefined means: the job's own status.
 */
export function classifyStartFailure(
  exitCode: number,
  stderr: string,
  image: string,
): WrapperError | undefined {
  if (exitCode < Status.RUNTIME_FAILED || exitCode > Status.NOT_FOUND) return undefined;
  const tail = stderr.split('\n').slice(-20).join('\n');
  const dockerSaid =
    /^docker: |Error response from daemon|OCI runtime|starting container process caused|exec user process caused|error during container init|^\[FATAL tini \(\d+\)\] exec /m;
  if (!dockerSaid.test(tail)) return undefined;
  // With --init, docker's tini is PID 1 and reports the entrypoint it could not exec.
  const tini = /^\[FATAL tini \(\d+\)\] exec (\S+) failed: (.*)$/m.exec(tail);
  if (tini) {
    if (tini[1] === '/bin/sh' && /No such file/i.test(tini[2] ?? '')) {
      return new WrapperError(
        ExitCode.CONTAINER_START,
        `image ${image} has no /bin/sh: set LSF_DOCKER_ENTRYPOINT or LSF_DOCKER_RUN_RAW_ARGS`,
        'image',
      );
    }
    return new WrapperError(
      ExitCode.CONTAINER_START,
      `the container's entrypoint ${tini[1]} cannot run in ${image} (check LSF_DOCKER_ENTRYPOINT): ${tini[2]}`,
      'image',
    );
  }
  const reason = dockerReason(tail);
  if (/No such image/i.test(tail)) {
    return new WrapperError(
      ExitCode.IMAGE_NOT_FOUND,
      `image ${image} is not on this host (pull policy never): ${reason}`,
      'image',
    );
  }
  if (
    /exec: "?\/bin\/sh"?: stat \/bin\/sh: no such file|"\/bin\/sh": stat|exec: "\/bin\/sh": .*not found/i.test(
      tail,
    )
  ) {
    return new WrapperError(
      ExitCode.CONTAINER_START,
      `image ${image} has no /bin/sh: set LSF_DOCKER_ENTRYPOINT or LSF_DOCKER_RUN_RAW_ARGS`,
      'image',
    );
  }
  if (
    /exec: ".*": (stat .*: )?no such file|executable file not found|exec format error|permission denied.*exec|exec user process caused/i.test(
      tail,
    )
  ) {
    return new WrapperError(
      ExitCode.CONTAINER_START,
      `the container's entrypoint cannot run in ${image} (check LSF_DOCKER_ENTRYPOINT): ${reason}`,
      'image',
    );
  }
  if (/chdir to cwd|no such file or directory: unknown.*cwd|cwd.*no such file/i.test(tail)) {
    return new WrapperError(
      ExitCode.CONTAINER_START,
      `the workdir does not exist in the container (check LSF_DOCKER_WORKDIR): ${reason}`,
      'workdir',
    );
  }
  const error = daemonProblem(tail, false, 'run', 0);
  if (error) return error;
  return new WrapperError(ExitCode.CONTAINER_START, `the container could not start: ${reason}`, 'docker run');
}

/** In what `docker run` held back before the container existed: the image is not on this host. */
const IMAGE_MISSING = /No such image/i;
/** A kill, pause or unpause that found no container to act on (not created yet, or ended). */
const CONTAINER_ABSENT = /No such container|is not running/i;

/** How a `docker run` ended, in the wrapper's terms. Pure. */
export function classifyRun(
  end: RunEnd,
  opts: { binary: string; image: string; timeout: number; mayPull: boolean },
): RunVerdict {
  if (end.error) {
    const message = `cannot run the docker CLI ${opts.binary}: ${end.error}`;
    return { kind: 'lost', error: new WrapperError(ExitCode.DAEMON_UNREACHABLE, message, 'docker') };
  }
  if (end.hung) {
    const message = `docker run did not create the container within ${opts.timeout}s: the docker daemon seems hung`;
    return { kind: 'lost', error: new WrapperError(ExitCode.DAEMON_TIMEOUT, message, 'docker') };
  }
  if (end.exitCode === undefined) return { kind: 'lost', signal: end.signal };
  const { exitCode, stderr } = end;
  if (
    opts.mayPull &&
    exitCode === Status.RUNTIME_FAILED &&
    !stderr.released &&
    IMAGE_MISSING.test(stderr.held)
  ) {
    return { kind: 'image-missing' };
  }
  const failure =
    classifyStartFailure(exitCode, stderr.tail, opts.image) ??
    (exitCode === Status.RUNTIME_FAILED ? daemonProblem(stderr.tail, false, 'run', opts.timeout) : undefined);
  return failure ? { kind: 'start-failure', error: failure } : { kind: 'job-status', status: exitCode };
}

/** How a `docker pull` ended: a daemon problem or a timeout is final, a registry problem may be retried. Pure. */
export function classifyPull(image: string, result: CallResult, timeout: number): PullVerdict {
  if (result.exitCode === 0 && !result.timedOut) return { kind: 'ok' };
  const daemon = daemonProblem(result.stderr, false, 'pull', timeout);
  if (daemon) return { kind: 'failed', error: daemon, retryable: false };
  if (result.timedOut) {
    const message = `pulling ${image} took longer than ${timeout}s`;
    return {
      kind: 'failed',
      error: new WrapperError(ExitCode.REGISTRY_UNAVAILABLE, message, 'pull'),
      retryable: false,
    };
  }
  const { error, retryable } = classifyPullFailure(image, result.stderr);
  return { kind: 'failed', error, retryable };
}

/** The docker runtime's classifier (RuntimeClassifier): the functions above, bound to one CLI binary. */
export class DockerClassifier implements RuntimeClassifier {
  constructor(private readonly binary: string) {}
  reason(stderr: string): string {
    return dockerReason(stderr);
  }
  daemon(result: Pick<CallResult, 'stderr' | 'timedOut'>, what: string, timeout: number) {
    return daemonProblem(result.stderr, result.timedOut, what, timeout);
  }
  run(end: RunEnd, opts: { image: string; timeout: number; mayPull: boolean }): RunVerdict {
    return classifyRun(end, { ...opts, binary: this.binary });
  }
  pull(image: string, result: CallResult, timeout: number): PullVerdict {
    return classifyPull(image, result, timeout);
  }
  containerAbsent(result: CallResult): boolean {
    return result.exitCode !== 0 && CONTAINER_ABSENT.test(result.stderr);
  }
}
