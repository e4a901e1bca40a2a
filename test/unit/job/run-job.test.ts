/**
 * runJob against the fake runtime: the job's status, the calls it makes (docs/architecture.md
 * "One job's docker calls"), and what each signal does at each phase (docs/signals.md).
 */
import { describe, expect, jest, test } from '@jest/globals';
import { RELAY_ATTEMPTS } from '../../../lib/job/phases.js';
import { runJob } from '../../../lib/job/run-job.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { jobHarness, runInput, sleep } from './helpers.js';

const IMAGE = 'lsf-docker-test/busybox';
const present = { images: [IMAGE] };

describe('one docker call when the image is present', () => {
  test('the job exits 0: only docker run', async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 0 }] });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`]);
  });

  test("the job's own status passes through, its stderr once the container exists", async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 3, afterMs: 20, stderr: 'job says hi\n' }] });
    expect(await runJob(h.ctx)).toBe(3);
    expect(h.stderr.join('')).toBe('job says hi\n');
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`]);
  });

  test('a job that exits 125 itself (no docker message) keeps its status', async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 125, afterMs: 10, stderr: 'my tool failed\n' }] });
    expect(await runJob(h.ctx)).toBe(125);
  });
});

describe('optimistic start (pull policy missing)', () => {
  test('image missing: pull, run again; docker noise is never shown', async () => {
    const h = jobHarness({ runs: [{ exit: 0 }] });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, `pull:${IMAGE}`, `run:${IMAGE}`]);
    expect(h.log.lines).toContain(`INFO: image ${IMAGE} is not on this host: pulling it`);
    expect(h.stderr.join('')).toBe('');
  });

  test('image missing and not in the registry: 217, no second run, nothing to remove', async () => {
    const notFound = 'Error response from daemon: manifest for x:latest not found: manifest unknown';
    const h = jobHarness({ pulls: [{ stderr: notFound }] });
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.IMAGE_NOT_FOUND });
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, `pull:${IMAGE}`]);
  });

  test('a rate-limited pull is retried with backoff, then the run starts', async () => {
    const h = jobHarness({ pulls: [{ stderr: 'toomanyrequests: rate limit' }, 'ok'], runs: [{ exit: 0 }] });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, `pull:${IMAGE}`, `pull:${IMAGE}`, `run:${IMAGE}`]);
    expect(h.log.lines.some((l) => l.startsWith('WARNING: pull: registry rate limit'))).toBe(true);
  });

  test('a second run that still finds no image is 217 (no third run)', async () => {
    const h = jobHarness({ runs: [{ exit: 0 }] });
    // the pull "works" but the image does not appear
    h.runtime.images.add = () => h.runtime.images;
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.IMAGE_NOT_FOUND });
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, `pull:${IMAGE}`, `run:${IMAGE}`]);
  });
});

describe('other pull policies', () => {
  test('never: a missing image is 217 (pull policy never), no pull', async () => {
    const h = jobHarness({}, { change: (c) => (c.docker.pull = 'never') });
    await expect(runJob(h.ctx)).rejects.toThrow(/is not on this host \(pull policy never\)/);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`]);
  });

  test('always: pull, then run', async () => {
    const h = jobHarness({ ...present }, { change: (c) => (c.docker.pull = 'always') });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.runtime.ops()).toEqual([`pull:${IMAGE}`, `run:${IMAGE}`]);
  });

  test('a terminal job asks first: image inspect, then run', async () => {
    const h = jobHarness({ ...present }, { input: runInput({ tty: true, interactive: true }) });
    expect(await runJob(h.ctx)).toBe(0);
    expect(h.runtime.ops()).toEqual([`imagePresent:${IMAGE}`, `run:${IMAGE}`]);
  });

  test('daemon down while asking: 215', async () => {
    const h = jobHarness({ daemonDown: true }, { input: runInput({ tty: true }) });
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.DAEMON_UNREACHABLE });
  });
});

describe('start failures vs the job status', () => {
  test('an OCI error before the container exists: 220, one line, nothing removed', async () => {
    const oci =
      'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown.\n';
    const h = jobHarness({ ...present, runs: [{ createdAfterMs: null, exit: 127, stderr: oci }] });
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.CONTAINER_START });
    expect(h.stderr.join('')).toBe('');
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`]);
  });

  test('the daemon unreachable at run: 215', async () => {
    const h = jobHarness({ daemonDown: true });
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.DAEMON_UNREACHABLE });
  });

  test('the CLI cannot be executed: 215, and the container (if any) is removed', async () => {
    const h = jobHarness({ ...present, runs: [{ cliError: 'spawn docker ENOENT' }] });
    await expect(runJob(h.ctx)).rejects.toThrow('cannot run the docker CLI docker: spawn docker ENOENT');
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'remove']);
  });

  test('the watchdog: no container within [docker] timeout is 216; the CLI is killed, the container removed', async () => {
    const h = jobHarness(
      { ...present, runs: [{ createdAfterMs: null }] },
      { change: (c) => (c.docker.timeout = 0.1) },
    );
    await expect(runJob(h.ctx)).rejects.toMatchObject({ code: ExitCode.DAEMON_TIMEOUT });
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'remove']);
  });

  test('the watchdog leaves a created container alone', async () => {
    const h = jobHarness(
      { ...present, runs: [{ exit: 0, afterMs: 250 }] },
      { change: (c) => (c.docker.timeout = 0.1) },
    );
    expect(await runJob(h.ctx)).toBe(0);
  });

  test('the CLI killed by a signal: 128+N, the container removed', async () => {
    const h = jobHarness({ ...present, runs: [{ cliKilledBy: 'SIGKILL', afterMs: 10 }] });
    expect(await runJob(h.ctx)).toBe(137);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'remove']);
  });
});

describe('OOM', () => {
  test('137 from the OOM killer: 137 with one message naming the limit', async () => {
    const h = jobHarness(
      { ...present, runs: [{ exit: 137, afterMs: 10, oomKilled: true }] },
      { input: runInput({ memory: 256 * 1024 * 1024 }) },
    );
    expect(await runJob(h.ctx)).toBe(ExitCode.OOM_KILLED);
    expect(h.stderr.join('')).toBe('docker_run: job killed: out of memory (container memory limit 256m)\n');
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'oom']);
  });

  test('137 without OOM evidence: 137, no message', async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 137, afterMs: 10 }] });
    expect(await runJob(h.ctx)).toBe(137);
    expect(h.stderr.join('')).toBe('');
  });

  test('no limit known: "unknown"', async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 137, oomKilled: true }] });
    await runJob(h.ctx);
    expect(h.stderr.join('')).toMatch(/memory limit unknown/);
  });
});

describe('signals while the container runs', () => {
  test('SIGTERM is relayed through the runtime; the job dies of it (143)', async () => {
    const h = jobHarness({ ...present, runs: [{ diesOn: { SIGTERM: 143 } }] });
    const status = runJob(h.ctx);
    await sleep(20);
    h.send('SIGTERM');
    expect(await status).toBe(143);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'signal:SIGTERM']);
    expect(h.log.lines).toContain('INFO: received SIGTERM');
  });

  test('bkill: SIGINT, SIGTERM, then the escalation removes the container (137, not an OOM kill)', async () => {
    const h = jobHarness({ ...present, runs: [{}] }, { change: (c) => (c.job.terminateInterval = 0.4) });
    const status = runJob(h.ctx);
    await sleep(20);
    h.send('SIGINT');
    await sleep(20);
    h.send('SIGTERM');
    const sentAt = Date.now();
    expect(await status).toBe(137);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(180);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'signal:SIGINT', 'signal:SIGTERM', 'remove']);
    expect(h.log.lines).toContain('WARNING: job still running 0.2s after SIGTERM: removing its container');
  });

  test('a job that ends before the escalation keeps its status and is not removed', async () => {
    const h = jobHarness(
      { ...present, runs: [{ exit: 0, afterMs: 60 }] },
      { change: (c) => (c.job.terminateInterval = 0.4) },
    );
    const status = runJob(h.ctx);
    await sleep(10);
    h.send('SIGTERM');
    expect(await status).toBe(0);
    await sleep(300);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'signal:SIGTERM']);
  });

  test('SIGTSTP pauses, SIGCONT resumes', async () => {
    const h = jobHarness({ ...present, runs: [{ exit: 0, afterMs: 80 }] });
    const status = runJob(h.ctx);
    await sleep(10);
    h.send('SIGTSTP');
    await sleep(10);
    h.send('SIGCONT');
    expect(await status).toBe(0);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'pause', 'resume']);
  });

  test('handlers are gone after the job', async () => {
    const h = jobHarness({ ...present });
    await runJob(h.ctx);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGTSTP', 'SIGCONT']) {
      expect(h.signals.listenerCount(s)).toBe(0);
    }
  });
});

describe('signals during start-up', () => {
  test('a signal caught before runJob (EarlySignals): 128+N, no container started', async () => {
    const h = jobHarness({ ...present }, { early: 'SIGTERM' });
    expect(await runJob(h.ctx)).toBe(143);
    expect(h.runtime.ops()).toEqual([]);
    expect(h.log.lines).toContain('INFO: SIGTERM before the container started: not starting it');
  });

  test('a signal during the pull (policy always): the pull finishes, no container, 130', async () => {
    const h = jobHarness({ pulls: [{ afterMs: 50 }] }, { change: (c) => (c.docker.pull = 'always') });
    const status = runJob(h.ctx);
    await sleep(10);
    h.send('SIGINT');
    expect(await status).toBe(130);
    expect(h.runtime.ops()).toEqual([`pull:${IMAGE}`]);
  });

  test('SIGTSTP while preparing is ignored', async () => {
    const h = jobHarness({ pulls: [{ afterMs: 30 }] }, { change: (c) => (c.docker.pull = 'always') });
    const status = runJob(h.ctx);
    await sleep(5);
    h.send('SIGTSTP');
    expect(await status).toBe(0);
    expect(h.runtime.ops()).toEqual([`pull:${IMAGE}`, `run:${IMAGE}`]);
  });

  test('a signal while the pull after a missing image runs: not started again', async () => {
    const h = jobHarness({ pulls: [{ afterMs: 50 }] });
    const status = runJob(h.ctx);
    await sleep(20);
    h.send('SIGHUP');
    expect(await status).toBe(129);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, `pull:${IMAGE}`]);
  });

  test('a signal during a first run that finds the image missing: no pull, 128+N', async () => {
    const h = jobHarness({});
    const status = runJob(h.ctx);
    h.send('SIGTERM');
    expect(await status).toBe(143);
    expect(h.runtime.ops()).toEqual([`run:${IMAGE}`, 'signal:SIGTERM']);
  });

  test('before the container exists: retried until it exists, then delivered', async () => {
    const h = jobHarness({ ...present, runs: [{ createdAfterMs: 350, diesOn: { SIGTERM: 143 } }] });
    const status = runJob(h.ctx);
    h.send('SIGTERM');
    expect(await status).toBe(143);
    const tries = h.runtime.ops().filter((o) => o === 'signal:SIGTERM').length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(6);
    expect(h.runtime.ops().at(-1)).toBe('signal:SIGTERM');
  });
});

describe('a signal for a container that never comes', () => {
  test('is dropped after 5 s (50 tries, 100 ms apart)', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const h = jobHarness(
        { ...present, runs: [{ createdAfterMs: null }] },
        { change: (c) => (c.docker.timeout = 60) },
      );
      const status = runJob(h.ctx).catch((err: unknown) => err);
      h.send('SIGUSR1');
      await jest.advanceTimersByTimeAsync(4_750);
      expect(h.runtime.ops().filter((o) => o === 'signal:SIGUSR1').length).toBeLessThan(RELAY_ATTEMPTS);
      await jest.advanceTimersByTimeAsync(300);
      expect(h.runtime.ops().filter((o) => o === 'signal:SIGUSR1').length).toBe(RELAY_ATTEMPTS);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(h.runtime.ops().filter((o) => o === 'signal:SIGUSR1').length).toBe(RELAY_ATTEMPTS);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(await status).toMatchObject({ code: ExitCode.DAEMON_TIMEOUT });
    } finally {
      jest.useRealTimers();
    }
  });
});
