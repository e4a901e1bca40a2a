import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { ImageRef } from '../kernel/grammar/image.js';
import type { Logger } from '../kernel/log/logger.js';
import type { BuildRuntime } from './build-runtime.js';
import type { Interrupts } from './interrupts.js';
import {
  buildFailureReason,
  failingStep,
  pushedDigest,
  pushFailureReason,
  runningStepContainer,
  Tail,
} from './outcome.js';

/** Seconds the build CLI gets to cancel after a signal before it is killed. */
const CANCEL_GRACE = 5;

/** The newer CLI's notice that the classic builder is deprecated: noise in a job's output. */
const LEGACY_BANNER = /^DEPRECATED: The legacy builder is deprecated[^\n]*\n(?: {2,}[^\n]*\n)*\n?/;

/**
 * Runs `docker build` with its output streamed to the job's stdout and stderr. The CLI runs in
 * its own process group; a signal to the job cancels it (the daemon then stops the build and,
 * with --force-rm, removes the step's container). STDINTEXT, when given, is written to its stdin
 * (the Dockerfile of `--file=-`). Returns normally only when the build succeeded.
 */
export async function runBuild(
  runtime: BuildRuntime,
  argv: string[],
  interrupts: Interrupts,
  log: Logger,
  stdinText?: string,
): Promise<void> {
  const child = runtime.exec.spawn(
    argv,
    { stdin: stdinText === undefined ? 'ignore' : 'pipe', stdout: 'pipe', stderr: 'pipe' },
    { detached: true },
  );
  // The Dockerfile, read as the user, on the CLI's stdin (--file=-): root never opens the user's path.
  if (stdinText !== undefined && child.stdin) {
    child.stdin.on('error', () => {});
    child.stdin.end(stdinText);
  }
  const outTail = new Tail();
  const errTail = new Tail();
  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    outTail.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    errTail.push(chunk);
    const text = chunk.toString('latin1');
    if (!LEGACY_BANNER.test(text)) {
      process.stderr.write(chunk);
      return;
    }
    log.debug('docker build: the legacy builder notice is not shown');
    const rest = Buffer.from(text.replace(LEGACY_BANNER, ''), 'latin1');
    if (rest.length > 0) process.stderr.write(rest);
  });
  let killer: NodeJS.Timeout | undefined;
  interrupts.onSignal(() => {
    child.kill('SIGINT');
    killer ??= setTimeout(() => child.kill('SIGKILL'), CANCEL_GRACE * 1000);
  });
  const result = await child;
  interrupts.onSignal(undefined);
  if (killer) clearTimeout(killer);
  log.debug(`docker build returned ${result.exitCode ?? `signal ${result.signal}`}`);
  if (interrupts.signal) {
    await awaitStepContainerGone(runtime, outTail.toString(), log);
    return;
  }
  if (result.exitCode === 0) return;
  const stderr = errTail.toString();
  const daemon = runtime.classify.daemon({ stderr, timedOut: false }, 'build', 0);
  if (daemon) throw daemon;
  const step = failingStep(`${outTail}\n${stderr}`);
  const reason = buildFailureReason(stderr, (text) => runtime.classify.reason(text));
  throw new WrapperError(
    ExitCode.BUILD_FAILED,
    `${step ? `failed at ${step}: ` : 'failed: '}${reason}; nothing was pushed`,
    'build',
  );
}

/** How long the job waits, after a cancelled build, for the daemon to remove the step's container. */
const STEP_REMOVAL_WAIT_MS = 5_000;

/**
 * After a cancelled build, the daemon kills and removes the container of the step that was
 * running (the classic builder's "Running in ID"), in its own time: the job waits for that, so
 * that nothing of the build outlives it. It never removes anything itself: the id is read from the
 * build's output, which a RUN step can forge to name any container.
 */
async function awaitStepContainerGone(runtime: BuildRuntime, output: string, log: Logger): Promise<void> {
  const id = runningStepContainer(output);
  if (!id) return;
  const started = Date.now();
  for (;;) {
    const found = await runtime.exec.call(['ps', '-a', '-q', '--no-trunc', '--filter', `id=${id}`]);
    if (found.exitCode !== 0 || found.stdout.trim() === '') {
      log.debug(`build step container ${id}: gone after ${Date.now() - started} ms`);
      return;
    }
    if (Date.now() - started > STEP_REMOVAL_WAIT_MS) {
      log.warning(`build step container ${id} is still there; the docker daemon removes it when it stops`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface PushResult {
  tag: string;
  ok: boolean;
  detail: string;
}

/**
 * Pushes every tag in turn, printing one result line per tag on stdout (or stderr for a failure).
 * Throws PUSH_FAILED naming every tag that did not push; stops early on a signal.
 */
export async function pushTags(
  runtime: BuildRuntime,
  tags: readonly ImageRef[],
  timeout: number,
  interrupts: Interrupts,
  log: Logger,
): Promise<PushResult[]> {
  const results: PushResult[] = [];
  for (const tag of tags) {
    if (interrupts.signal) break;
    log.info(`pushing ${tag.canonical}`);
    const result = await runtime.exec.call(runtime.pushArgv(tag.canonical), { timeout });
    if (interrupts.signal) break;
    if (result.exitCode === 0) {
      const digest = pushedDigest(result.stdout);
      for (const line of result.stdout.split('\n').slice(-2)) if (line) log.info(`push: ${line}`);
      results.push({ tag: tag.canonical, ok: true, detail: digest ?? '' });
      process.stdout.write(`docker_build: pushed ${tag.canonical}${digest ? ` (${digest})` : ''}\n`);
      continue;
    }
    const daemon = runtime.classify.daemon(result, 'push', timeout);
    if (daemon) throw daemon;
    const detail = pushFailureReason(result.stderr, (text) => runtime.classify.reason(text));
    results.push({ tag: tag.canonical, ok: false, detail });
    process.stderr.write(`docker_build: push of ${tag.canonical} failed: ${detail}\n`);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.tag);
  if (failed.length > 0) {
    throw new WrapperError(
      ExitCode.PUSH_FAILED,
      `${failed.length} of ${tags.length} tag${tags.length === 1 ? '' : 's'} did not push: ${failed.join(', ')}`,
      'push',
    );
  }
  return results;
}
