import {
  buildFailureReason,
  failingStep,
  pushedDigest,
  pushFailureReason,
  runningStepContainer,
  Tail,
} from '../../../lib/build/outcome.js';
import { dockerReason } from '../../../lib/runtime/docker/classify.js';

const CLASSIC = `Sending build context to Docker daemon  2.048kB
Step 1/3 : FROM lsf-docker-test/busybox:latest
 ---> 4c547669cecb
Step 2/3 : RUN echo hi
 ---> Running in 0bf98c4fc8f1
hi
Step 3/3 : RUN exit 3
 ---> Running in 9dd13ea8824c
`;
const BUILDKIT = `#5 [2/3] RUN exit 3
#5 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3
------
 > [2/3] RUN exit 3:
------
Dockerfile:2
ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3
`;

describe('what a failed build and a push say', () => {
  test('the classic builder: the last Step line', () => {
    expect(failingStep(CLASSIC)).toBe('Step 3/3 : RUN exit 3');
  });
  test('BuildKit: the step of the error block', () => {
    expect(failingStep(BUILDKIT)).toBe('[2/3] RUN exit 3');
  });
  test('the container of the step that was running', () => {
    expect(runningStepContainer(CLASSIC)).toBe('9dd13ea8824c');
    expect(runningStepContainer(BUILDKIT)).toBeUndefined();
  });
  test('no step in the output (e.g. --quiet)', () => {
    expect(failingStep('sha256:abc\n')).toBeUndefined();
  });
  test('the failure reason skips the legacy builder notice', () => {
    const stderr = `DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0

The command '/bin/sh -c exit 3' returned a non-zero code: 3
`;
    expect(buildFailureReason(stderr, dockerReason)).toBe(
      "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    );
    expect(buildFailureReason(BUILDKIT, dockerReason)).toMatch(/^failed to solve: process .* exit code: 3$/);
  });
  test('push failures: credentials, denial, anything else', () => {
    expect(pushFailureReason('no basic auth credentials', dockerReason)).toMatch(
      /not logged in .*LSB_DOCKER_LOGIN_ONLY=1/,
    );
    expect(pushFailureReason('denied: requested access to the resource is denied', dockerReason)).toMatch(
      /^the registry refused: denied/,
    );
    expect(pushFailureReason('Get "http://h/v2/": dial tcp: connection refused', dockerReason)).toMatch(
      /connection refused/,
    );
  });
  test('the digest of a push', () => {
    const d = `sha256:${'ab'.repeat(32)}`;
    expect(pushedDigest(`1: digest: ${d} size: 527`)).toBe(d);
    expect(pushedDigest('nothing')).toBeUndefined();
  });
  test('Tail keeps the end', () => {
    const tail = new Tail(5);
    tail.push('abc');
    tail.push(Buffer.from('defg'));
    expect(String(tail)).toBe('cdefg');
  });
});
