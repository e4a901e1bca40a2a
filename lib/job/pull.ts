import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import { humanBytes, humanDuration } from '../kernel/bytes.js';
import type { Logger } from '../kernel/log/logger.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { PullLocks } from './image/pull-lock.js';
import { type PullProgress, pullOnce } from './image/pull-once.js';

/** How a job pulls besides the pull policy: the host's pull locks and how the user sees progress. */
export interface PullSetup {
  /** One pull per image and host (lib/job/image/pull-lock.ts); none: every job pulls by itself. */
  locks?: PullLocks;
  /** lines (batch, the default) or the runtime's own progress (interactive). */
  progress?: PullProgress;
  /** The job has a terminal. */
  tty?: boolean;
  /** A run found the image missing: a pull another job finished meanwhile is as good as ours. */
  foundMissing?: boolean;
  /** The wrapper's stderr (the interactive progress goes there when it is not the terminal). */
  write?: (text: string) => void;
}

/**
 * Makes the image available as the pull policy says: always pull, pull when missing, or never.
 * With the host's pull locks, concurrent jobs needing the same image pull it once: the others
 * log that they wait and then use what the first pulled. Transient registry failures are
 * retried with exponential backoff; the abort signal (a job signal arriving meanwhile) stops at once.
 */
export async function ensureImage(
  runtime: ContainerRuntime,
  image: string,
  docker: Config['docker'],
  log: Logger,
  abort: AbortSignal,
  setup: PullSetup = {},
): Promise<void> {
  if (docker.pull === 'never') return;
  if (docker.pull === 'missing' && (await runtime.imagePresent(image))) {
    log.debug(`image ${image} is present: not pulled (pull policy missing)`);
    return;
  }
  const lock = setup.locks
    ? await setup.locks.acquire(image, {
        waitSeconds: docker.pullTimeout,
        signal: abort,
        onWait: () => log.info(`waiting for another job on this host to pull ${image}`),
      })
    : undefined;
  if (lock?.kind === 'aborted') return;
  if (lock?.kind === 'none') log.debug(`pull lock of ${image}: ${lock.why}: pulling without it`);
  try {
    if (lock?.kind === 'held' && (lock.waited || setup.foundMissing || docker.pull === 'missing')) {
      if (await runtime.imagePresent(image)) {
        log.info(
          `image ${image} is present${lock.waited ? ' (pulled by another job)' : ''}: not pulled again`,
        );
        return;
      }
    }
    await pullWithRetries(runtime, image, docker, log, abort, setup);
  } finally {
    if (lock?.kind === 'held') lock.release();
  }
}

async function pullWithRetries(
  runtime: ContainerRuntime,
  image: string,
  docker: Config['docker'],
  log: Logger,
  abort: AbortSignal,
  setup: PullSetup,
): Promise<void> {
  const progress = setup.progress ?? 'lines';
  const write = setup.write ?? ((text: string) => void process.stderr.write(text));
  for (let attempt = 0; ; attempt++) {
    log.info(`pulling ${image}${attempt ? ` (attempt ${attempt + 1})` : ''}`);
    const started = Date.now();
    const opts = { timeout: docker.pullTimeout, progress, tty: setup.tty ?? false, abort, write };
    const result = await pullOnce(runtime, image, opts);
    if (abort.aborted) return;
    const verdict = runtime.classify.pull(image, result, docker.pullTimeout);
    if (verdict.kind === 'ok') {
      for (const line of result.stdout.split('\n').slice(-3)) if (line) log.info(`pull: ${line}`);
      await logPulled(runtime, image, Date.now() - started, log);
      return;
    }
    if (!verdict.retryable || attempt >= docker.pullRetries) throw verdict.error;
    const wait = docker.pullBackoff * 2 ** attempt;
    log.warning(`${verdict.error.message}; retrying in ${wait}s`);
    try {
      await sleep(wait * 1000, undefined, { signal: abort });
    } catch {
      return;
    }
  }
}

/** The end line of a pull: the image's size and how long it took. */
async function logPulled(runtime: ContainerRuntime, image: string, ms: number, log: Logger): Promise<void> {
  let size = '';
  try {
    const info = await runtime.imageStore.inspect(image);
    if (info) size = `${humanBytes(info.size)}, `;
  } catch {
    // the size is a nicety
  }
  log.info(`pulled ${image} (${size}${humanDuration(ms)})`);
}
