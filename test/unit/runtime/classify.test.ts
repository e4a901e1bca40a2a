/**
 * docker's stderr as the 20.10 client (Debian's engine) and the 28.x client print it, both
 * against this machine's 20.10 daemon (most samples captured here; chdir and the registry rate
 * limit written from runc's and Docker Hub's messages).
 */
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import {
  classifyPullFailure,
  classifyStartFailure,
  daemonProblem,
  dockerReason,
} from '../../../lib/runtime/docker/classify.js';

const IMAGE = 'lsf-docker-test/nosh:latest';
const HELP20 = "\nSee 'docker run --help'.\n";
const HELP28 = "\n\nRun 'docker run --help' for more information\n";

/** docker run failures: [client, exit code, stderr]. */
const RUN = {
  unreachable: [
    [
      '20.10',
      125,
      `docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?.${HELP20}`,
    ],
    [
      '28.x',
      125,
      `docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?${HELP28}`,
    ],
    [
      '20.10',
      126,
      `docker: permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/create": dial unix /var/run/docker.sock: connect: permission denied.${HELP20}`,
    ],
    [
      '28.x',
      126,
      `docker: permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Head "http://%2Fvar%2Frun%2Fdocker.sock/_ping": dial unix /var/run/docker.sock: connect: permission denied${HELP28}`,
    ],
  ],
  noSuchImage: [
    [
      '20.10',
      125,
      `docker: Error response from daemon: No such image: lsf-docker-test/nope:latest.${HELP20}`,
    ],
    ['28.x', 125, `docker: Error response from daemon: No such image: lsf-docker-test/nope:latest${HELP28}`],
  ],
  noShell: [
    [
      '20.10',
      127,
      'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown.\n',
    ],
    [
      '28.x',
      127,
      `docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown${HELP28}`,
    ],
    [
      'runc 1.0',
      127,
      'docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown.\n',
    ],
    ['20.10 --init', 127, '[FATAL tini (7)] exec /bin/sh failed: No such file or directory\n'],
    [
      '28.x --init',
      127,
      'some job output\n[FATAL tini (7)] exec /bin/sh failed: No such file or directory\n',
    ],
  ],
  badEntrypoint: [
    [
      '20.10',
      127,
      'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nonexist": stat /nonexist: no such file or directory: unknown.\n',
    ],
    [
      '28.x',
      127,
      `docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/nonexist": stat /nonexist: no such file or directory: unknown${HELP28}`,
    ],
    ['20.10 --init', 127, '[FATAL tini (6)] exec /nonexist failed: No such file or directory\n'],
    ['28.x --init', 126, '[FATAL tini (7)] exec /etc/passwd failed: Permission denied\n'],
  ],
  chdir: [
    [
      '20.10',
      126,
      'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: chdir to cwd ("/w") set in config.json failed: permission denied: unknown.\n',
    ],
    [
      '28.x',
      126,
      `docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: chdir to cwd ("/w") set in config.json failed: permission denied: unknown${HELP28}`,
    ],
    [
      'runc 1.0',
      126,
      'docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: chdir to cwd ("/w") set in config.json failed: permission denied: unknown.\n',
    ],
  ],
} as const;

describe('classifyStartFailure: what docker said, by client version', () => {
  test.each(RUN.unreachable)('daemon unreachable (%s, exit %d)', (_v, code, stderr) => {
    const err = classifyStartFailure(code, stderr, IMAGE);
    expect(err?.code).toBe(ExitCode.DAEMON_UNREACHABLE);
    expect(err?.message).toMatch(/^docker: cannot reach the docker daemon: /);
  });

  test.each(RUN.noSuchImage)('no such image (%s, exit %d)', (version, code, stderr) => {
    const err = classifyStartFailure(code, stderr, 'lsf-docker-test/nope:latest');
    expect(err?.code).toBe(ExitCode.IMAGE_NOT_FOUND);
    expect(err?.message).toBe(
      'image: image lsf-docker-test/nope:latest is not on this host (pull policy never): No such image: lsf-docker-test/nope:latest' +
        (version === '20.10' ? '.' : ''),
    );
  });

  test.each(RUN.noShell)(
    'exec: "/bin/sh": stat /bin/sh: no such file or directory (%s, exit %d)',
    (_v, code, stderr) => {
      const err = classifyStartFailure(code, stderr, IMAGE);
      expect(err?.code).toBe(ExitCode.CONTAINER_START);
      expect(err?.message).toBe(
        `image: image ${IMAGE} has no /bin/sh: set LSF_DOCKER_ENTRYPOINT or LSF_DOCKER_RUN_RAW_ARGS`,
      );
    },
  );

  test.each(RUN.badEntrypoint)('an entrypoint that cannot run (%s, exit %d)', (_v, code, stderr) => {
    const err = classifyStartFailure(code, stderr, IMAGE);
    expect(err?.code).toBe(ExitCode.CONTAINER_START);
    expect(err?.message).toMatch(
      /^image: the container's entrypoint .*cannot run in .*check LSF_DOCKER_ENTRYPOINT/,
    );
    expect(err?.message).toMatch(/\/nonexist|\/etc\/passwd/);
  });

  test.each(RUN.chdir)('chdir to cwd failed (%s, exit %d)', (_v, code, stderr) => {
    const err = classifyStartFailure(code, stderr, IMAGE);
    expect(err?.code).toBe(ExitCode.CONTAINER_START);
    expect(err?.message).toMatch(
      /^workdir: the workdir does not exist in the container \(check LSF_DOCKER_WORKDIR\): /,
    );
    expect(err?.message).toMatch(/chdir to cwd \("\/w"\)/);
  });

  test.each<[string, number, string]>([
    ['sh: command not found', 127, 'sh: nosuchcmd: not found\n'],
    ['bash: command not found', 127, 'bash: line 1: nosuchcmd: command not found\n'],
    ['a job that says "no such file"', 127, 'cat: /x: No such file or directory\n'],
    ['a job exiting 126', 126, '/lsf-docker/job.sh: line 2: ./run: Permission denied\n'],
    ['a job exiting 125, silent', 125, ''],
    ['a job mentioning docker mid-line', 127, 'about docker: an error of its own\n'],
    ['the job status 1', 1, 'docker: Error response from daemon: whatever\n'],
    ['the job status 0', 0, 'OCI runtime create failed\n'],
    ['the job status 137', 137, 'docker: Error response from daemon: x\n'],
  ])("the job's own status is not a start failure: %s", (_name, code, stderr) => {
    expect(classifyStartFailure(code, stderr, IMAGE)).toBeUndefined();
  });

  test('only the tail of a long job output is looked at', () => {
    const stderr = `docker: Error response from daemon: No such image: x\n${'job line\n'.repeat(30)}`;
    expect(classifyStartFailure(127, stderr, IMAGE)).toBeUndefined();
  });

  test("another daemon error is a start failure with docker's reason", () => {
    const err = classifyStartFailure(
      125,
      `docker: Error response from daemon: Duplicate mount point: /x.${HELP20}`,
      IMAGE,
    );
    expect(err?.code).toBe(ExitCode.CONTAINER_START);
    expect(err?.message).toBe('docker run: the container could not start: Duplicate mount point: /x.');
  });
});

/** Pull failures come from the daemon: the 20.10 and 28.x clients print the same line (both captured here). */
describe('classifyPullFailure', () => {
  test.each<[string, string, number, boolean]>([
    [
      'manifest unknown (local registry)',
      'Error response from daemon: manifest for 127.0.0.1:5000/lsfd/nope:latest not found: manifest unknown: manifest unknown',
      ExitCode.IMAGE_NOT_FOUND,
      false,
    ],
    [
      'no basic auth credentials',
      'Error response from daemon: Head "http://127.0.0.1:5000/v2/lsfd/nope/manifests/latest": no basic auth credentials',
      ExitCode.REGISTRY_AUTH,
      false,
    ],
    [
      'unauthorized',
      'Error response from daemon: Get "http://127.0.0.1:5000/v2/lsfd/busybox/manifests/latest": unauthorized: authentication required',
      ExitCode.REGISTRY_AUTH,
      false,
    ],
    [
      'toomanyrequests (20.10)',
      'Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
    [
      'toomanyrequests (28.x)',
      'Error response from daemon: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
    [
      'registry down',
      'Error response from daemon: Get "http://127.0.0.1:5001/v2/": dial tcp 127.0.0.1:5001: connect: connection refused',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
    [
      'unknown registry host',
      'Error response from daemon: Get "https://reg.example.org/v2/": dial tcp: lookup reg.example.org on 10.0.0.1:53: no such host',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
    [
      'registry 500',
      'Error response from daemon: received unexpected HTTP status: 500 Internal Server Error',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
  ])('%s', (_name, stderr, code, retryable) => {
    const failure = classifyPullFailure('IMG', stderr);
    expect(failure.error.code).toBe(code);
    expect(failure.retryable).toBe(retryable);
    expect(failure.error.message).toMatch(/^pull: .*IMG/);
    expect(failure.error.message).toContain(stderr.replace('Error response from daemon: ', '').slice(0, 40));
  });

  test('Docker Hub\'s "pull access denied" (no such repository, or no access) is final', () => {
    const failure = classifyPullFailure(
      'nosuchimage',
      "Error response from daemon: pull access denied for nosuchimage, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
    expect(failure.retryable).toBe(false);
    expect([ExitCode.IMAGE_NOT_FOUND, ExitCode.REGISTRY_AUTH]).toContain(failure.error.code);
    expect(failure.error.message).toContain('pull access denied for nosuchimage');
  });
});

describe('daemonProblem', () => {
  test.each(RUN.unreachable)('unreachable (%s)', (_v, _code, stderr) => {
    expect(daemonProblem(stderr, false, 'pull', 60)?.code).toBe(ExitCode.DAEMON_UNREACHABLE);
  });

  test('the docker binary missing', () => {
    expect(daemonProblem('spawn /usr/bin/docker ENOENT', false, 'run', 60)?.code).toBe(
      ExitCode.DAEMON_UNREACHABLE,
    );
  });

  test('a timeout is a hung daemon', () => {
    const err = daemonProblem('', true, 'image inspect', 60);
    expect(err?.code).toBe(ExitCode.DAEMON_TIMEOUT);
    expect(err?.message).toBe(
      'docker: docker image inspect did not answer within 60s: the docker daemon seems hung',
    );
  });

  test('anything else is not a daemon problem', () => {
    expect(daemonProblem(RUN.noSuchImage[0][2], false, 'run', 60)).toBeUndefined();
    expect(
      daemonProblem(
        'Error response from daemon: dial tcp 10.0.0.1:5000: connect: connection refused',
        false,
        'pull',
        60,
      ),
    ).toBeUndefined();
  });
});

describe('dockerReason: the last meaningful line, without the noise', () => {
  test.each<[string, string]>([
    [RUN.noSuchImage[0][2], 'No such image: lsf-docker-test/nope:latest.'],
    [RUN.noSuchImage[1][2], 'No such image: lsf-docker-test/nope:latest'],
    ['line one\nline two\n', 'line two'],
    ['', 'no message'],
    ['  \n\n', 'no message'],
    [`Error: a\n  b   c  \n${HELP28}`, 'Error: a'],
    [`docker: Error response from daemon: ${'x'.repeat(500)}`, 'x'.repeat(400)],
  ])('%j', (stderr, reason) => {
    expect(dockerReason(stderr)).toBe(reason);
  });
});
