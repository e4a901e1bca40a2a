/** One pull per host: ensureImage with the host's locks (scripted), the waiting line, and the pull's end line. */
import { describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import type { LockResult, PullLocks } from '../../../lib/job/image/pull-lock.js';
import { ensureImage } from '../../../lib/job/pull.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import { FakeImageStore, fakeImage } from '../../../lib/runtime/fake-images.js';
import { memoryLogger } from '../job/helpers.js';

const IMG = '127.0.0.1:5000/lsfd/tool:1';

/** Locks that answer RESULT (held: waited or not) and record what was asked. */
function scriptedLocks(result: 'free' | 'waited' | 'aborted' | 'none', onAcquire: () => void = () => {}) {
  const events: string[] = [];
  const locks: PullLocks = {
    async acquire(image, opts) {
      events.push(`acquire ${image}`);
      if (result === 'waited') opts.onWait();
      onAcquire();
      const release = () => events.push('release');
      const answers: Record<typeof result, LockResult> = {
        free: { kind: 'held', waited: false, release },
        waited: { kind: 'held', waited: true, release },
        aborted: { kind: 'aborted' },
        none: { kind: 'none', why: 'planted' },
      };
      return answers[result];
    },
  };
  return { locks, events };
}

const docker = (pull: 'always' | 'missing') => ({ ...defaultConfig().docker, pull });

describe('ensureImage with the host pull locks', () => {
  test('another job held the lock and pulled the image: no pull here, the wait is logged', async () => {
    const runtime = fakeRuntime();
    const log = memoryLogger();
    const { locks, events } = scriptedLocks('waited', () => runtime.images.add(IMG));
    await ensureImage(runtime, IMG, docker('missing'), log, new AbortController().signal, { locks });
    expect(runtime.ops()).toEqual([`imagePresent:${IMG}`, `imagePresent:${IMG}`]);
    expect(events).toEqual([`acquire ${IMG}`, 'release']);
    expect(log.lines).toContain(`INFO: waiting for another job on this host to pull ${IMG}`);
    expect(log.lines).toContain(`INFO: image ${IMG} is present (pulled by another job): not pulled again`);
  });

  test('the lock free: pulled under it, released after; one line at the start and one with size and time at the end', async () => {
    const store = new FakeImageStore([fakeImage('tool', { repoTags: [IMG], size: 3 * 1024 * 1024 })]);
    const runtime = fakeRuntime({ imageStore: store });
    const log = memoryLogger();
    const { locks, events } = scriptedLocks('free');
    await ensureImage(runtime, IMG, docker('always'), log, new AbortController().signal, { locks });
    expect(runtime.ops()).toEqual([`pull:${IMG}`]);
    expect(events).toEqual([`acquire ${IMG}`, 'release']);
    expect(log.lines[0]).toBe(`INFO: pulling ${IMG}`);
    expect(log.lines.at(-1)).toMatch(
      new RegExp(`^INFO: pulled ${IMG.replace(/\./g, '\\.')} \\(3\\.0 MiB, \\d+\\.\\ds\\)$`),
    );
  });

  test('policy always, the lock free: pulled even when present; found missing by a run: checked again first', async () => {
    const runtime = fakeRuntime({ images: [IMG] });
    await ensureImage(runtime, IMG, docker('always'), memoryLogger(), new AbortController().signal, {
      locks: scriptedLocks('free').locks,
    });
    expect(runtime.ops()).toEqual([`pull:${IMG}`]);
    const again = fakeRuntime({ images: [IMG] });
    await ensureImage(again, IMG, docker('always'), memoryLogger(), new AbortController().signal, {
      locks: scriptedLocks('free').locks,
      foundMissing: true,
    });
    expect(again.ops()).toEqual([`imagePresent:${IMG}`]);
  });

  test('a failed pull of the other job: this one pulls, with the retries of today', async () => {
    const runtime = fakeRuntime({ pulls: [{ stderr: 'net/http: TLS handshake timeout' }, 'ok'] });
    const d = { ...docker('missing'), pullBackoff: 0.01 };
    await ensureImage(runtime, IMG, d, memoryLogger(), new AbortController().signal, {
      locks: scriptedLocks('waited').locks,
    });
    expect(runtime.ops()).toEqual([
      `imagePresent:${IMG}`,
      `imagePresent:${IMG}`,
      `pull:${IMG}`,
      `pull:${IMG}`,
    ]);
  });

  test('no lock possible: pulled without it; a signal while waiting: nothing pulled', async () => {
    const runtime = fakeRuntime();
    await ensureImage(runtime, IMG, docker('always'), memoryLogger(), new AbortController().signal, {
      locks: scriptedLocks('none').locks,
    });
    expect(runtime.ops()).toEqual([`pull:${IMG}`]);
    const stopped = fakeRuntime();
    await ensureImage(stopped, IMG, docker('always'), memoryLogger(), new AbortController().signal, {
      locks: scriptedLocks('aborted').locks,
    });
    expect(stopped.ops()).toEqual([]);
  });

  test('interactive: the runtime shows its progress (spawned, its output passed on), the verdict as for a batch pull', async () => {
    const runtime = fakeRuntime();
    const written: string[] = [];
    await expect(
      ensureImage(runtime, IMG, docker('always'), memoryLogger(), new AbortController().signal, {
        progress: 'terminal',
        tty: false,
        write: (t) => written.push(t),
      }),
    ).resolves.toBeUndefined();
    expect(runtime.spawned).toEqual([['pull', '--', IMG]]);
  });
});
