/**
 * podman's messages (measured on podman 4.3, /work/notes/podman-runtime.md) in the wrapper's
 * terms: start failures told apart from a job's own 125-127, the missing image, pulls, a podman
 * that cannot run, containers that are not there.
 */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../../lib/kernel/exit-codes.js';
import { PodmanClassifier, podmanReason } from '../../../../lib/runtime/podman/classify.js';
import type { CallResult, RunEnd, RunVerdict } from '../../../../lib/runtime/types.js';

const classifier = new PodmanClassifier('/usr/bin/podman');
const IMAGE = 'lsf-docker-test/busybox';
const ID = 'b05e695acb35235f165d2751a866dcef79c053dc9bbf319ed4e4dd1c59f3ee38';

/** A run that exited CODE with STDERR, held back (before the container existed) or released. */
function end(exitCode: number, stderr: string, released: boolean): RunEnd {
  return {
    exitCode,
    hung: false,
    stderr: { held: released ? '' : stderr, tail: stderr, released },
  };
}
const run = (e: RunEnd, mayPull = true): RunVerdict =>
  classifier.run(e, { image: IMAGE, timeout: 60, mayPull });
const code = (v: RunVerdict) => (v.kind === 'start-failure' ? v.error.code : v.kind);
const message = (v: RunVerdict) => (v.kind === 'start-failure' ? v.error.message : '');

describe('run: start failures (podman says "Error: ...") against the job status', () => {
  test.each<[string, number, string, boolean, number | string, RegExp]>([
    ['exit 3 of the job', 3, '', true, 'job-status', /^$/],
    [
      'the job itself exits 126 printing an error of its own',
      126,
      'Error: my tool failed\n',
      true,
      'job-status',
      /^$/,
    ],
    ['the job exits 127: sh: not found', 127, 'sh: nosuch: not found\n', true, 'job-status', /^$/],
    [
      'workdir not in the image (after create)',
      126,
      `Error: workdir "/nonexist" does not exist on container ${ID}\n`,
      true,
      ExitCode.CONTAINER_START,
      /^workdir: the workdir \/nonexist is neither in lsf-docker-test\/busybox nor mounted, and podman does not create it \(check LSF_DOCKER_WORKDIR\)$/,
    ],
    [
      'a missing mount source (before create)',
      125,
      'Error: statfs /nonexist: no such file or directory\n',
      false,
      ExitCode.CONTAINER_START,
      /^podman run: the container could not start: statfs \/nonexist: no such file or directory$/,
    ],
    [
      'an entrypoint that does not exist, no --init',
      127,
      'Error: runc: runc create failed: unable to start container process: exec: "/nonexist": stat /nonexist: no such file or directory: OCI runtime attempted to invoke a command that was not found\n',
      true,
      ExitCode.CONTAINER_START,
      /^image: the container's entrypoint cannot run/,
    ],
    [
      'no /bin/sh, no --init',
      127,
      'Error: runc: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: OCI runtime attempted to invoke a command that was not found\n',
      true,
      ExitCode.CONTAINER_START,
      /^image: image lsf-docker-test\/busybox has no \/bin\/sh/,
    ],
    [
      'catatonit (--init) cannot exec the entrypoint: exit 1',
      1,
      'ERROR (catatonit:6): failed to exec pid1: No such file or directory\n',
      true,
      ExitCode.CONTAINER_START,
      /^image: the container's entrypoint cannot run in lsf-docker-test\/busybox \(no \/bin\/sh\? check LSF_DOCKER_ENTRYPOINT\): No such file or directory$/,
    ],
    [
      'slirp4netns without /dev/net/tun',
      126,
      'Error: slirp4netns failed: "open(\\"/dev/net/tun\\"): Permission denied"\n',
      true,
      ExitCode.CONTAINER_START,
      /^network: podman could not set up the container's network/,
    ],
    [
      "host-gateway (refused by policy before; podman's own words otherwise)",
      125,
      'Error: invalid IP address in add-host: "host-gateway"\n',
      false,
      ExitCode.CONTAINER_START,
      /could not start: invalid IP address in add-host/,
    ],
    [
      'a refused ulimit (rootful without CAP_SYS_RESOURCE), with a log line around it',
      126,
      'time="2026-12-01T10:00:00Z" level=warning msg="something"\nError: runc: runc create failed: unable to start container process: error setting rlimit type 7: operation not permitted: OCI permission denied\n',
      true,
      ExitCode.CONTAINER_START,
      /error setting rlimit type 7: operation not permitted/,
    ],
  ])('%s', (_name, exitCode, stderr, released, want, text) => {
    const verdict = run(end(exitCode, stderr, released));
    expect(code(verdict)).toBe(want);
    expect(message(verdict)).toMatch(text);
  });

  test('"image not known" before the container existed: pull it (when the policy allows), else 217', () => {
    const said = 'Error: lsf-docker-test/busybox: image not known\n';
    expect(run(end(125, said, false)).kind).toBe('image-missing');
    const never = run(end(125, said, false), false);
    expect(code(never)).toBe(ExitCode.IMAGE_NOT_FOUND);
    expect(message(never)).toBe(
      'image: image lsf-docker-test/busybox is not on this host (pull policy never): lsf-docker-test/busybox: image not known',
    );
  });

  test('the CLI could not run, the watchdog, a CLI killed by a signal: lost', () => {
    const missing = classifier.run(
      { error: 'spawn /usr/bin/podman ENOENT', hung: false, stderr: end(0, '', false).stderr },
      { image: IMAGE, timeout: 60, mayPull: true },
    );
    expect(missing).toMatchObject({ kind: 'lost', error: { code: ExitCode.DAEMON_UNREACHABLE } });
    const hung = classifier.run(
      { hung: true, stderr: end(0, '', false).stderr },
      { image: IMAGE, timeout: 60, mayPull: true },
    );
    expect(hung).toMatchObject({ kind: 'lost', error: { code: ExitCode.DAEMON_TIMEOUT } });
    expect(
      classifier.run(
        { signal: 'SIGKILL', hung: false, stderr: end(0, '', true).stderr },
        { image: IMAGE, timeout: 60, mayPull: true },
      ),
    ).toEqual({ kind: 'lost', signal: 'SIGKILL' });
  });
});

const result = (exitCode: number, stderr: string, timedOut = false): CallResult => ({
  exitCode,
  stdout: '',
  stderr,
  timedOut,
});

describe('pull', () => {
  test.each<[string, string, number, boolean]>([
    [
      'plain HTTP registry not listed',
      'Error: initializing source docker://127.0.0.1:5000/x:latest: pinging container registry 127.0.0.1:5000: Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client',
      ExitCode.REGISTRY_UNAVAILABLE,
      false,
    ],
    [
      'no credentials',
      'Error: initializing source docker://127.0.0.1:5000/lsfd/busybox:latest: reading manifest latest in 127.0.0.1:5000/lsfd/busybox: unauthorized: authentication required',
      ExitCode.REGISTRY_AUTH,
      false,
    ],
    [
      'unknown tag',
      'Error: initializing source docker://127.0.0.1:5000/lsfd/busybox:nope: reading manifest nope in 127.0.0.1:5000/lsfd/busybox: manifest unknown: manifest unknown',
      ExitCode.IMAGE_NOT_FOUND,
      false,
    ],
    [
      'Docker Hub: no such repository',
      'Error: initializing source docker://nosuch/x:latest: reading manifest latest in docker.io/nosuch/x: requested access to the resource is denied',
      ExitCode.IMAGE_NOT_FOUND,
      false,
    ],
    [
      'registry down',
      'Error: initializing source docker://127.0.0.1:5999/x:latest: pinging container registry 127.0.0.1:5999: Get "https://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      ExitCode.REGISTRY_UNAVAILABLE,
      true,
    ],
  ])('%s', (_name, stderr, wantCode, retryable) => {
    const verdict = classifier.pull('127.0.0.1:5000/x', result(125, stderr), 1800);
    expect(verdict).toMatchObject({ kind: 'failed', retryable, error: { code: wantCode } });
    if (verdict.kind === 'failed') expect(verdict.error.message).not.toMatch(/Error: /);
  });

  test('ok, and a timeout', () => {
    expect(classifier.pull('x', result(0, ''), 10)).toEqual({ kind: 'ok' });
    expect(classifier.pull('x', result(124, '', true), 10)).toMatchObject({
      kind: 'failed',
      error: { code: ExitCode.DAEMON_TIMEOUT },
    });
  });
});

describe('a podman that cannot run; absent containers; the reason line', () => {
  test.each([
    ['spawn podman ENOENT'],
    ['Error: cannot set up namespace using "/usr/bin/newuidmap": exit status 1'],
    ['Error: no subuid ranges found for user "lsfd-x" in /etc/subuid'],
  ])('%s: 215', (stderr) => {
    expect(classifier.daemon({ stderr, timedOut: false }, 'ps', 60)?.code).toBe(ExitCode.DAEMON_UNREACHABLE);
  });

  test('a timeout is 216; an ordinary error is not a podman problem', () => {
    expect(classifier.daemon({ stderr: '', timedOut: true }, 'ps', 60)?.code).toBe(ExitCode.DAEMON_TIMEOUT);
    expect(
      classifier.daemon({ stderr: 'Error: x: image not known', timedOut: false }, 'ps', 60),
    ).toBeUndefined();
  });

  test.each([
    ['Error: no container with name or ID "lsf_77_0_1" found: no such container', true],
    [`Error: can only kill running containers. ${ID} is in state exited: container state improper`, true],
    [`Error: "${ID}" is not paused, can't unpause: container state improper`, true],
    ['Error: something else', false],
  ])('containerAbsent: %s', (stderr, absent) => {
    expect(classifier.containerAbsent(result(125, stderr))).toBe(absent);
  });

  test('reason: without "Error: " and podman\'s log lines', () => {
    const stderr =
      'time="2026-12-01T10:00:00Z" level=warning msg="\\"/\\" is not a shared mount, this could cause issues"\nResource limits are not supported and ignored on cgroups V1 rootless systems\nError: logging into "127.0.0.1:5000": invalid username/password\n';
    expect(podmanReason(stderr)).toBe('logging into "127.0.0.1:5000": invalid username/password');
  });
});
