/** The docker classifier's verdicts on a run, a pull and a control call (what run-job and pull act on). */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { DockerClassifier } from '../../../lib/runtime/docker/classify.js';
import type { RunEnd } from '../../../lib/runtime/types.js';

const classify = new DockerClassifier('/usr/bin/docker');
const NO_IMAGE = "docker: Error response from daemon: No such image: img:latest.\nSee 'docker run --help'.\n";
const end = (over: Partial<RunEnd> & { held?: string; tail?: string; released?: boolean }): RunEnd => ({
  exitCode: over.exitCode,
  signal: over.signal,
  error: over.error,
  hung: over.hung ?? false,
  stderr: { held: over.held ?? '', tail: over.tail ?? over.held ?? '', released: over.released ?? false },
});
const run = (e: RunEnd, mayPull = true) => classify.run(e, { image: 'img', timeout: 9, mayPull });

describe('run', () => {
  test.each([
    ['the job exited 0', end({ exitCode: 0 }), { kind: 'job-status', status: 0 }],
    [
      'the job exited 3 with docker-looking text it printed itself',
      end({ exitCode: 3, tail: 'Error response from daemon' }),
      { kind: 'job-status', status: 3 },
    ],
    [
      'the job exited 126 itself',
      end({ exitCode: 126, released: true, tail: 'sh: x: Permission denied' }),
      { kind: 'job-status', status: 126 },
    ],
    ['the image missing (held, 125)', end({ exitCode: 125, held: NO_IMAGE }), { kind: 'image-missing' }],
    ['the CLI killed by a signal', end({ signal: 'SIGKILL' }), { kind: 'lost', signal: 'SIGKILL' }],
  ])('%s', (_label, e, want) => {
    expect(run(e)).toEqual(want);
  });

  test('the image missing when no pull may follow: 217 (pull policy never)', () => {
    const v = run(end({ exitCode: 125, held: NO_IMAGE }), false);
    expect(v).toMatchObject({ kind: 'start-failure', error: { code: ExitCode.IMAGE_NOT_FOUND } });
  });

  test('"No such image" already passed through (the container existed) is not a missing image', () => {
    expect(run(end({ exitCode: 125, released: true, tail: NO_IMAGE })).kind).toBe('start-failure');
  });

  test('the CLI cannot start: lost, 215 naming the binary', () => {
    const v = run(end({ exitCode: 127, error: 'spawn /usr/bin/docker ENOENT' }));
    expect(v).toMatchObject({ kind: 'lost', error: { code: ExitCode.DAEMON_UNREACHABLE } });
    expect(v.kind === 'lost' && v.error?.message).toBe(
      'docker: cannot run the docker CLI /usr/bin/docker: spawn /usr/bin/docker ENOENT',
    );
  });

  test('the watchdog: lost, 216', () => {
    const v = run(end({ hung: true }));
    expect(v.kind === 'lost' && v.error?.message).toBe(
      'docker: docker run did not create the container within 9s: the docker daemon seems hung',
    );
  });

  test('125 from an unreachable daemon: 215', () => {
    const v = run(
      end({ exitCode: 125, held: 'docker: Cannot connect to the Docker daemon at unix:///x.sock.\n' }),
    );
    expect(v).toMatchObject({ kind: 'start-failure', error: { code: ExitCode.DAEMON_UNREACHABLE } });
  });
});

describe('pull', () => {
  const result = (exitCode: number, stderr = '', timedOut = false) => ({
    exitCode,
    stdout: '',
    stderr,
    timedOut,
  });
  test.each([
    ['ok', result(0), { kind: 'ok' }],
    [
      'daemon down: final',
      result(1, 'Cannot connect to the Docker daemon at unix:///x'),
      { kind: 'failed', retryable: false, error: { code: ExitCode.DAEMON_UNREACHABLE } },
    ],
    [
      'timed out: final 219',
      result(124, '', true),
      { kind: 'failed', retryable: false, error: { code: ExitCode.REGISTRY_UNAVAILABLE } },
    ],
    [
      'rate limit: retryable 219',
      result(1, 'toomanyrequests: slow down'),
      { kind: 'failed', retryable: true, error: { code: ExitCode.REGISTRY_UNAVAILABLE } },
    ],
    [
      'auth: final 218',
      result(1, 'unauthorized: authentication required'),
      { kind: 'failed', retryable: false, error: { code: ExitCode.REGISTRY_AUTH } },
    ],
    [
      'not found: final 217',
      result(1, 'manifest unknown'),
      { kind: 'failed', retryable: false, error: { code: ExitCode.IMAGE_NOT_FOUND } },
    ],
    [
      'anything else: retryable 219',
      result(1, 'net/http: TLS handshake timeout'),
      { kind: 'failed', retryable: true, error: { code: ExitCode.REGISTRY_UNAVAILABLE } },
    ],
  ])('%s', (_label, r, want) => {
    expect(classify.pull('img', r, 60)).toMatchObject(want);
  });

  test('the timeout message names the limit', () => {
    const v = classify.pull('img', result(124, '', true), 60);
    expect(v.kind === 'failed' && v.error.message).toBe('pull: pulling img took longer than 60s');
  });
});

describe('control calls', () => {
  const r = (exitCode: number, stderr: string) => ({ exitCode, stdout: '', stderr, timedOut: false });
  test.each([
    [r(1, 'Error response from daemon: No such container: lsf_1_0_2'), true],
    [r(1, 'Error response from daemon: Container abc is not running'), true],
    [r(1, 'Error response from daemon: permission denied'), false],
    [r(0, 'No such container'), false],
  ])('%j absent: %s', (result, absent) => {
    expect(classify.containerAbsent(result)).toBe(absent);
  });
});
