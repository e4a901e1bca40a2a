/** ensureImage against the fake runtime: each pull policy, the retries and their backoff, an abort. */
import { describe, expect, test } from '@jest/globals';
import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { ensureImage } from '../../../lib/job/pull.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { type FakeScript, fakeRuntime } from '../../../lib/runtime/fake.js';
import { memoryLogger, sleep } from './helpers.js';

const IMG = 'lsf-docker-test/busybox';

function setup(script: FakeScript, change: (d: Config['docker']) => void = () => {}) {
  const docker = { ...defaultConfig().docker, pullBackoff: 0.01, pullRetries: 2 };
  change(docker);
  return { runtime: fakeRuntime(script), docker, log: memoryLogger(), abort: new AbortController() };
}

describe('ensureImage', () => {
  test('missing policy, image present: asked, not pulled', async () => {
    const s = setup({ images: [IMG] });
    await ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal);
    expect(s.runtime.ops()).toEqual([`imagePresent:${IMG}`]);
  });

  test('missing policy, image absent: pulled; the last lines of the pull logged', async () => {
    const s = setup({});
    await ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal);
    expect(s.runtime.ops()).toEqual([`imagePresent:${IMG}`, `pull:${IMG}`]);
    expect(s.log.lines).toContain(`INFO: pull: Status: Downloaded newer image for ${IMG}`);
  });

  test('never: nothing asked; always: pulled even when present', async () => {
    const never = setup({}, (d) => (d.pull = 'never'));
    await ensureImage(never.runtime, IMG, never.docker, never.log, never.abort.signal);
    expect(never.runtime.ops()).toEqual([]);
    const always = setup({ images: [IMG] }, (d) => (d.pull = 'always'));
    await ensureImage(always.runtime, IMG, always.docker, always.log, always.abort.signal);
    expect(always.runtime.ops()).toEqual([`pull:${IMG}`]);
  });

  test('a transient failure is retried pull_retries times, then 219', async () => {
    const s = setup({ pulls: [{ stderr: 'net/http: TLS handshake timeout' }] }, (d) => (d.pull = 'always'));
    await expect(ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal)).rejects.toMatchObject({
      code: ExitCode.REGISTRY_UNAVAILABLE,
    });
    expect(s.runtime.ops()).toEqual([`pull:${IMG}`, `pull:${IMG}`, `pull:${IMG}`]);
    expect(s.log.lines.filter((l) => l.startsWith('WARNING:'))).toEqual([
      `WARNING: pull: cannot pull ${IMG}: net/http: TLS handshake timeout; retrying in 0.01s`,
      `WARNING: pull: cannot pull ${IMG}: net/http: TLS handshake timeout; retrying in 0.02s`,
    ]);
  });

  test('refused credentials: 218 at once, no retry', async () => {
    const s = setup(
      { pulls: [{ stderr: 'unauthorized: authentication required' }] },
      (d) => (d.pull = 'always'),
    );
    await expect(ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal)).rejects.toMatchObject({
      code: ExitCode.REGISTRY_AUTH,
    });
    expect(s.runtime.ops()).toHaveLength(1);
  });

  test('the daemon down while asking: 215', async () => {
    const s = setup({ daemonDown: true });
    await expect(ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal)).rejects.toMatchObject({
      code: ExitCode.DAEMON_UNREACHABLE,
    });
  });

  test('an abort during the backoff stops at once, without an error', async () => {
    const s = setup({ pulls: [{ stderr: 'toomanyrequests' }] }, (d) => {
      d.pull = 'always';
      d.pullBackoff = 30;
    });
    const done = ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal);
    await sleep(20);
    s.abort.abort();
    await expect(done).resolves.toBeUndefined();
    expect(s.runtime.ops()).toEqual([`pull:${IMG}`]);
  });

  test('an abort during the pull: its result is not judged, no retry', async () => {
    const s = setup({ pulls: [{ stderr: 'toomanyrequests', afterMs: 30 }] }, (d) => (d.pull = 'always'));
    const done = ensureImage(s.runtime, IMG, s.docker, s.log, s.abort.signal);
    await sleep(5);
    s.abort.abort();
    await expect(done).resolves.toBeUndefined();
    expect(s.runtime.ops()).toEqual([`pull:${IMG}`]);
  });
});
