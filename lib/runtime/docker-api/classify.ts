/**
 * What the Engine API said, in the wrapper's terms. A run's container status, and everything
 * the daemon passed through once the container existed, read as the docker CLI's would be (the
 * docker classifier); what failed before (no daemon, no image, a refused create) and a daemon
 * lost during the job are read from the API's own answer.
 */
import { WrapperError } from '../../kernel/errors.js';
import { ExitCode, Status } from '../../kernel/exit-codes.js';
import { classifyStartFailure, DockerClassifier } from '../docker/classify.js';
import type { RunEnd, RunVerdict } from '../types.js';
import { ApiTimeout, ConnectionError } from './client.js';
import type { ApiRunFailure } from './launch.js';

/** The daemon cannot be reached at SOCKET (215). */
export function unreachableError(socket: string, message: string): WrapperError {
  return new WrapperError(
    ExitCode.DAEMON_UNREACHABLE,
    `cannot reach the docker daemon at unix://${socket}: ${message}`,
    'docker',
  );
}

/**
 * ERR of a short call as the daemon's problem: unreachable (215) or hung (216); undefined when
 * it is something else.
 */
export function apiDaemonProblem(err: unknown, socket: string): WrapperError | undefined {
  if (err instanceof ConnectionError) return unreachableError(socket, err.message);
  if (err instanceof ApiTimeout) {
    const message = `${err.what} did not answer within ${err.seconds}s: the docker daemon seems hung`;
    return new WrapperError(ExitCode.DAEMON_TIMEOUT, message, 'docker');
  }
  return undefined;
}

/** How a run through the API ended (RunEnd with the API's failure, if any). */
export type ApiRunEnd = RunEnd & { failure?: ApiRunFailure };

/** What a failure before the container's status means. Pure. */
export function classifyApiFailure(
  failure: ApiRunFailure,
  opts: { socket: string; image: string; mayPull: boolean },
): RunVerdict {
  const { stage, status, message } = failure;
  if (stage === 'connect') return { kind: 'start-failure', error: unreachableError(opts.socket, message) };
  if (stage === 'create') {
    if (status === 404 && /No such image/i.test(message) && opts.mayPull) return { kind: 'image-missing' };
    // The same one line as the CLI's `docker: Error response from daemon: ...` would give.
    const said = `docker: Error response from daemon: ${message}`;
    const error =
      classifyStartFailure(Status.RUNTIME_FAILED, said, opts.image) ??
      new WrapperError(
        ExitCode.CONTAINER_START,
        `the container could not be created: ${message}`,
        'docker run',
      );
    return { kind: 'start-failure', error };
  }
  // attach, wait: the container exists, and the daemon was lost or failed it.
  const error = new WrapperError(
    ExitCode.DAEMON_UNREACHABLE,
    `lost the docker daemon while running the job's container (${stage}): ${message}`,
    'docker',
  );
  return { kind: 'lost', error };
}

/** The docker classifier, with the runs through the API read first for the API's own failures. */
export class ApiClassifier extends DockerClassifier {
  constructor(
    binary: string,
    private readonly socket: string,
  ) {
    super(binary);
  }

  override run(end: ApiRunEnd, opts: { image: string; timeout: number; mayPull: boolean }): RunVerdict {
    if (end.failure && !end.hung) return classifyApiFailure(end.failure, { ...opts, socket: this.socket });
    return super.run(end, opts);
  }
}
