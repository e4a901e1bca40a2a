/**
 * docker_build on podman: where logins go (podman's lasting auth file, its parents made as the
 * user), and buildah's output read for the failing step.
 */
import { describe, expect, test } from '@jest/globals';
import { dirsBelow } from '../../../lib/build/login.js';
import { buildFailureReason, failingStep } from '../../../lib/build/outcome.js';
import { podmanReason } from '../../../lib/runtime/podman/classify.js';
import { PODMAN_PROFILE } from '../../../lib/runtime/podman/profile.js';

describe('logins', () => {
  test("the user's podman login file, and podman pointed at it as the user", () => {
    expect(PODMAN_PROFILE.loginFile('/home/alice')).toBe('/home/alice/.config/containers/auth.json');
    expect(PODMAN_PROFILE.userEnvironment({ home: '/home/alice', uid: 4201 }, undefined)).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/home/alice',
      XDG_RUNTIME_DIR: '/run/user/4201',
      LANG: 'C.UTF-8',
      REGISTRY_AUTH_FILE: '/home/alice/.config/containers/auth.json',
    });
  });

  test('the directories made as the user before merging a login: every one below HOME, outermost first', () => {
    expect(dirsBelow('/home/alice', '/home/alice/.config/containers/auth.json')).toEqual([
      '/home/alice/.config',
      '/home/alice/.config/containers',
    ]);
    expect(dirsBelow('/home/alice', '/home/alice/.docker/config.json')).toEqual(['/home/alice/.docker']);
    expect(dirsBelow('/home/alice', '/elsewhere/auth.json')).toEqual([]);
  });
});

describe("buildah's output", () => {
  const out = 'STEP 1/2: FROM lsf-docker-test/busybox\nSTEP 2/2: RUN exit 3\n';
  const err = 'Error: building at STEP "RUN exit 3": while running runtime: exit status 3\n';

  test('the failing step and the reason, without "Error: "', () => {
    expect(failingStep(`${out}\n${err}`)).toBe('STEP 2/2: RUN exit 3');
    expect(buildFailureReason(err, podmanReason)).toBe(
      'building at STEP "RUN exit 3": while running runtime: exit status 3',
    );
  });
});
