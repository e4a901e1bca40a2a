/**
 * What the podman CLI said, in the wrapper's terms: podman's own messages (every start failure
 * begins with "Error: ", a missing image is "image not known", a container that does not run is
 * "container state improper"), mapped onto the same verdicts and exit codes as docker's.
 */
import { WrapperError } from '../../kernel/errors.js';
import { ExitCode, Status } from '../../kernel/exit-codes.js';
import { classifyPullFailure, DockerClassifier } from '../docker/classify.js';
import type { CallResult, PullVerdict, RunEnd, RunVerdict } from '../types.js';

/** podman's log lines (`time="..." level=warning msg="..."`) and its limits notice: never the reason. */
const NOISE = /^(time="[^"]*" )?level=(warning|info|debug)\b|^Resource limits are not supported and ignored/;

/** The last meaningful line podman printed, without "Error: " and its log noise. */
export function podmanReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !NOISE.test(l));
  const errorLine = [...lines].reverse().find((l) => /^Error: /.test(l));
  return (errorLine ?? lines.at(-1) ?? 'no message')
    .replace(/^Error: /, '')
    .replace(/\s+/g, ' ')
    .slice(0, 400);
}

/**
 * podman cannot run at all for this user: the binary is missing, or rootless podman lacks its
 * set-up (subordinate ids, a runtime dir, the user namespace). Daemonless: no socket to reach.
 */
const UNUSABLE =
  /spawn \S+ ENOENT|cannot set up namespace using|no subuid ranges found|no subgid ranges found|newuidmap|newgidmap|cannot clone: |could not find a runtime dir|XDG_RUNTIME_DIR|Failed to create temp directory for user|database configuration mismatch|cannot re-exec process/i;

/** A podman that cannot be used, or a call that timed out; undefined when that is not the problem. */
export function podmanProblem(
  stderr: string,
  timedOut: boolean,
  what: string,
  timeout: number,
): WrapperError | undefined {
  if (timedOut) {
    const message = `podman ${what} did not answer within ${timeout}s: podman seems hung (a stale lock in its store?)`;
    return new WrapperError(ExitCode.DAEMON_TIMEOUT, message, 'podman');
  }
  if (UNUSABLE.test(stderr)) {
    const message = `podman cannot run here: ${podmanReason(stderr)} (see docs/admin-guide-podman.md)`;
    return new WrapperError(ExitCode.DAEMON_UNREACHABLE, message, 'podman');
  }
  return undefined;
}

/** podman's own vocabulary in a start failure (a job printing "Error: ..." and exiting 126 is not one). */
const PODMAN_SAID =
  /OCI runtime|OCI permission denied|runc|crun|conmon|slirp4netns|netavark|CNI|statfs |does not exist on container|image not known|creating container storage|rootless|mounting|setting up|invalid IP address in add-host/i;

const isStartExit = (code: number) => code >= Status.RUNTIME_FAILED && code <= Status.NOT_FOUND;

/** catatonit (podman's --init) could not exec the entrypoint: exit 1 and this line. */
const CATATONIT = /^ERROR \(catatonit:\d+\): failed to exec pid1: (.*)$/m;

/** The start failure podman reported, or undefined when the job's own status stands. Pure. */
export function classifyPodmanStart(
  exitCode: number,
  stderr: { held: string; tail: string; released: boolean },
  image: string,
): WrapperError | undefined {
  const tail = stderr.tail.split('\n').slice(-20).join('\n');
  const catatonit = exitCode === 1 ? CATATONIT.exec(tail) : null;
  if (catatonit) {
    const message = `the container's entrypoint cannot run in ${image} (no /bin/sh? check LSF_DOCKER_ENTRYPOINT): ${catatonit[1]}`;
    return new WrapperError(ExitCode.CONTAINER_START, message, 'image');
  }
  if (!isStartExit(exitCode)) return undefined;
  const lines = tail.split('\n').filter((l) => l.trim() !== '' && !NOISE.test(l.trim()));
  const last = lines.at(-1) ?? '';
  if (!/^Error: /.test(last)) return undefined;
  if (stderr.released && !PODMAN_SAID.test(last)) return undefined;
  const reason = podmanReason(tail);
  return startError(reason, image) ?? podmanProblem(tail, false, 'run', 0) ?? generic(reason);
}

const generic = (reason: string) =>
  new WrapperError(ExitCode.CONTAINER_START, `the container could not start: ${reason}`, 'podman run');

/** The start failures that have a clearer line than podman's own. */
function startError(reason: string, image: string): WrapperError | undefined {
  if (/image not known/i.test(reason)) {
    const message = `image ${image} is not on this host (pull policy never): ${reason}`;
    return new WrapperError(ExitCode.IMAGE_NOT_FOUND, message, 'image');
  }
  const workdir = /^workdir "([^"]*)" does not exist on container/.exec(reason);
  if (workdir) {
    const message = `the workdir ${workdir[1]} is neither in ${image} nor mounted, and podman does not create it (check LSF_DOCKER_WORKDIR)`;
    return new WrapperError(ExitCode.CONTAINER_START, message, 'workdir');
  }
  if (/exec: "\/bin\/sh": stat \/bin\/sh: no such file/.test(reason)) {
    const message = `image ${image} has no /bin/sh: set LSF_DOCKER_ENTRYPOINT or LSF_DOCKER_RUN_RAW_ARGS`;
    return new WrapperError(ExitCode.CONTAINER_START, message, 'image');
  }
  if (/exec: "[^"]*": (stat .*: )?no such file|executable file not found|exec format error/.test(reason)) {
    const message = `the container's entrypoint cannot run in ${image} (check LSF_DOCKER_ENTRYPOINT): ${reason}`;
    return new WrapperError(ExitCode.CONTAINER_START, message, 'image');
  }
  if (/slirp4netns|\/dev\/net\/tun/.test(reason)) {
    const message = `podman could not set up the container's network (rootless needs /dev/net/tun usable; or LSF_DOCKER_NETWORK=none/host): ${reason}`;
    return new WrapperError(ExitCode.CONTAINER_START, message, 'network');
  }
  return undefined;
}

/** In what `podman run` held back before the container existed: the image is not on this host. */
const IMAGE_MISSING = /image not known/i;
/** A kill, pause or unpause that found no container to act on (not created yet, or ended). */
const CONTAINER_ABSENT =
  /no container with (name or )?ID .* found|no such container|container state improper|can only kill running containers/i;

/** podman's plain-HTTP registry, contacted with TLS. */
const PLAIN_HTTP = /server gave HTTP response to HTTPS client/;

/** How a `podman pull` ended. Pure. */
export function classifyPodmanPull(image: string, result: CallResult, timeout: number): PullVerdict {
  if (result.exitCode === 0 && !result.timedOut) return { kind: 'ok' };
  const problem = podmanProblem(result.stderr, result.timedOut, 'pull', timeout);
  if (problem) return { kind: 'failed', error: problem, retryable: false };
  const reason = podmanReason(result.stderr);
  if (PLAIN_HTTP.test(result.stderr)) {
    const message = `cannot pull ${image}: its registry speaks plain HTTP and is not in [images] insecure_registries: ${reason}`;
    return {
      kind: 'failed',
      error: new WrapperError(ExitCode.REGISTRY_UNAVAILABLE, message, 'pull'),
      retryable: false,
    };
  }
  if (/requested access to the resource is denied|name unknown|image not known/i.test(result.stderr)) {
    const message = `image ${image} not found (or it needs a login: LSB_DOCKER_LOGIN_ONLY=1): ${reason}`;
    return {
      kind: 'failed',
      error: new WrapperError(ExitCode.IMAGE_NOT_FOUND, message, 'pull'),
      retryable: false,
    };
  }
  // docker's reading of registry trouble holds for podman's messages too, with podman's reason.
  const { error, retryable } = classifyPullFailure(image, result.stderr.replace(/^Error: /gm, ''));
  return { kind: 'failed', error, retryable };
}

/** The podman runtime's classifier: docker's verdicts, podman's messages. */
export class PodmanClassifier extends DockerClassifier {
  constructor(private readonly podmanBinary: string) {
    super(podmanBinary);
  }

  override reason(stderr: string): string {
    return podmanReason(stderr);
  }

  override daemon(result: Pick<CallResult, 'stderr' | 'timedOut'>, what: string, timeout: number) {
    return podmanProblem(result.stderr, result.timedOut, what, timeout);
  }

  override run(end: RunEnd, opts: { image: string; timeout: number; mayPull: boolean }): RunVerdict {
    if (end.error) {
      const message = `cannot run the podman CLI ${this.podmanBinary}: ${end.error}`;
      return { kind: 'lost', error: new WrapperError(ExitCode.DAEMON_UNREACHABLE, message, 'podman') };
    }
    if (end.hung) {
      const message = `podman run did not create the container within ${opts.timeout}s: podman seems hung`;
      return { kind: 'lost', error: new WrapperError(ExitCode.DAEMON_TIMEOUT, message, 'podman') };
    }
    if (end.exitCode === undefined) return { kind: 'lost', signal: end.signal };
    const { exitCode, stderr } = end;
    const missing = !stderr.released && IMAGE_MISSING.test(stderr.held);
    if (opts.mayPull && exitCode === Status.RUNTIME_FAILED && missing) return { kind: 'image-missing' };
    const failure = classifyPodmanStart(exitCode, stderr, opts.image);
    return failure ? { kind: 'start-failure', error: failure } : { kind: 'job-status', status: exitCode };
  }

  override pull(image: string, result: CallResult, timeout: number): PullVerdict {
    return classifyPodmanPull(image, result, timeout);
  }

  override containerAbsent(result: CallResult): boolean {
    return result.exitCode !== 0 && CONTAINER_ABSENT.test(result.stderr);
  }
}
