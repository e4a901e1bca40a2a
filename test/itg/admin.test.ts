/** The admin's tools, run for real: lsf-docker config check, explain and doctor. */
import { afterAll, expect, test } from '@jest/globals';
import { IMAGES } from './helpers/docker.js';
import { program, REPO } from './helpers/paths.js';
import { runAs } from './helpers/run-as.js';
import { DOCKER_GROUP_USER, TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, writeConfig } from './helpers/workspace.js';

afterAll(cleanupWorkspace);
const user = userInfo(TEST_USER);

test('config check: the shipped template is valid; a bad key is named with its file and exit 211', async () => {
  const template = await writeConfig(
    (await import('node:fs')).readFileSync(`${REPO}/templates/lsf-docker.conf`, 'utf8'),
  );
  const ok = await runAs(TEST_USER, [program('lsf-docker'), 'config', 'check', template]);
  expect(ok.exitCode).toBe(0);
  expect(ok.stdout).toContain(`${template}: valid (mode 644)`);
  const bad = await writeConfig('[volumes]\nallow[] = relative/path\n[docker]\nbinaryx = docker\n');
  const refused = await runAs(TEST_USER, [program('lsf-docker'), 'config', 'check', bad]);
  expect(refused.exitCode).toBe(211);
  expect(refused.stderr).toMatch(/\[volumes\] allow: "relative\/path" is not an absolute path/);
});

test('explain: the decisions and the exact docker run, without running anything', async () => {
  const r = await runAs(TEST_USER, [program('lsf-docker'), 'explain', 'echo hi'], {
    env: { LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: user.home, LSF_DOCKER_NETWORK: 'none' },
  });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain(`user:     ${TEST_USER} (uid ${user.uid}`);
  expect(r.stdout).toContain(`cwd ${user.home} mounted and used as workdir`);
  expect(r.stdout).toMatch(
    /docker run --pull=never --rm .* --network=none .* -- lsf-docker-test\/busybox:latest \/lsf-docker\/job\.sh/,
  );
  expect(r.stdout).toContain('  #!/bin/sh\n  echo hi');
});

// doctor talks to the daemon as its caller: the docker-group mode's user (the secure mode's users
// reach the daemon only through the rule, which does not list doctor).
test('doctor: every check passes for the docker-group user on this host', async () => {
  const r = await runAs(DOCKER_GROUP_USER, [program('lsf-docker'), 'doctor']);
  expect(r.stdout).toMatch(/^ok {3}identity {7}lsfd-dock uid 4203/m);
  expect(r.stdout).toMatch(/^ok {3}docker daemon/m);
  expect(r.stdout).toMatch(/^ok {3}engine API +API 1\.\d+ \(engine [^)]+\) at \/var\/run\/docker\.sock$/m);
  expect(r.stdout).toMatch(/ready for docker jobs$/m);
  expect(r.exitCode).toBe(0);
  const broken = await writeConfig('[docker]\nhost = unix:///nonexistent/docker.sock\n');
  const down = await runAs(DOCKER_GROUP_USER, [program('lsf-docker'), '--config', broken, 'doctor']);
  expect(down.exitCode).toBe(1);
  expect(down.stdout).toMatch(/^FAIL docker daemon/m);
  expect(down.stdout).toMatch(/^FAIL engine API +.*\/nonexistent\/docker\.sock/m);
});
