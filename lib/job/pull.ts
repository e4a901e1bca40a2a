import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import { classifyPullFailure, daemonProblem } from '../runtime/docker/classify.js';
import type { DockerCli } from '../runtime/docker/cli.js';
import { buildPullArgs } from '../runtime/docker/run-args.js';

/** Whether the image is on this host already (`docker image inspect`). */
export async function imagePresent(cli: DockerCli, image: string, timeout: number): Promise<boolean> {
  const result = await cli.call(['image', 'inspect', '--format', '{{.Id}}', '--', image], { timeout });
  const problem = daemonProblem(result.stderr, result.timedOut, 'image inspect', timeout);
  if (problem) throw problem;
  return result.exitCode === 0;
}

/**
 * Makes the image available as the pull policy says: always pull, pull when missing, or never.
 * Transient registry failures are retried with exponential backoff; the abort signal (a job
 * signal arriving meanwhile) stops at once.
 */
export async function ensureImage(
  cli: DockerCli,
  image: string,
  docker: Config['docker'],
  log: Logger,
  abort: AbortSignal,
): Promise<void> {
  if (docker.pull === 'never') return;
  if (docker.pull === 'missing' && (await imagePresent(cli, image, docker.timeout))) {
    log.debug(`image ${image} is present: not pulled (pull policy missing)`);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    log.info(`pulling ${image}${attempt ? ` (attempt ${attempt + 1})` : ''}`);
    const result = await cli.call(buildPullArgs(image), { timeout: docker.pullTimeout });
    if (abort.aborted) return;
    if (result.exitCode === 0) {
      for (const line of result.stdout.split('\n').slice(-3)) if (line) log.info(`pull: ${line}`);
      return;
    }
    const daemon = daemonProblem(result.stderr, false, 'pull', docker.pullTimeout);
    if (daemon) throw daemon;
    if (result.timedOut) {
      throw new WrapperError(
        ExitCode.REGISTRY_UNAVAILABLE,
        `pulling ${image} took longer than ${docker.pullTimeout}s`,
        'pull',
      );
    }
    const failure = classifyPullFailure(image, result.stderr);
    if (!failure.retryable || attempt >= docker.pullRetries) throw failure.error;
    const wait = docker.pullBackoff * 2 ** attempt;
    log.warning(`${failure.error.message}; retrying in ${wait}s`);
    try {
      await sleep(wait * 1000, undefined, { signal: abort });
    } catch {
      return;
    }
  }
}
