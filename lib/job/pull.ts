import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import type { Logger } from '../kernel/log/logger.js';
import type { ContainerRuntime } from '../runtime/types.js';

/**
 * Makes the image available as the pull policy says: always pull, pull when missing, or never.
 * Transient registry failures are retried with exponential backoff; the abort signal (a job
 * signal arriving meanwhile) stops at once.
 */
export async function ensureImage(
  runtime: ContainerRuntime,
  image: string,
  docker: Config['docker'],
  log: Logger,
  abort: AbortSignal,
): Promise<void> {
  if (docker.pull === 'never') return;
  if (docker.pull === 'missing' && (await runtime.imagePresent(image))) {
    log.debug(`image ${image} is present: not pulled (pull policy missing)`);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    log.info(`pulling ${image}${attempt ? ` (attempt ${attempt + 1})` : ''}`);
    const result = await runtime.exec.call(runtime.pullArgv(image), { timeout: docker.pullTimeout });
    if (abort.aborted) return;
    const verdict = runtime.classify.pull(image, result, docker.pullTimeout);
    if (verdict.kind === 'ok') {
      for (const line of result.stdout.split('\n').slice(-3)) if (line) log.info(`pull: ${line}`);
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
