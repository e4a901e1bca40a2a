import type { Config } from '../config/schema.js';
import type { JobFiles } from '../host/private-dir.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { formatSize } from '../kernel/grammar/size.js';
import type { Logger } from '../kernel/log/logger.js';
import { signalStatus } from '../kernel/signals.js';
import type { ContainerRuntime, RunInput } from '../runtime/types.js';
import { processStderr, type StderrWriter } from './held-stderr.js';
import type { PullLocks } from './image/pull-lock.js';
import { launchFacts } from './launch.js';
import { FINISHED, Preparing, SignalRouter } from './phases.js';
import { ensureImage, type PullSetup } from './pull.js';
import type { SignalSource } from './signal-source.js';
import { type Attempt, attemptRun, type StartContext } from './start.js';

export interface JobContext {
  /** The decided container. */
  spec: RunInput;
  files: JobFiles;
  config: Config;
  runtime: ContainerRuntime;
  log: Logger;
  /** The start-up catcher (EarlySignals): runJob releases it once its own handlers are in place. */
  early?: { release(): string | undefined };
  /** Where signals come from (the process unless a test drives them). */
  signals?: SignalSource;
  /** The wrapper's stderr (process.stderr unless a test captures it). */
  stderr?: StderrWriter;
  /** The host's pull locks (one pull per image and host); none: each job pulls by itself. */
  pullLocks?: PullLocks;
}

/** How the start phase ended: no container was started (a signal first), or a run ended. */
type Started = { kind: 'not-started'; status: number } | { kind: 'ran'; attempt: Attempt; startedAt: number };

function notStarted(signal: string, ctx: StartContext): Started {
  ctx.log.info(`${signal} before the container started: not starting it`);
  return { kind: 'not-started', status: signalStatus(signal) };
}

/**
 * Runs the decided container to its end and returns the job's exit status. Signals that LSF
 * sends are relayed to the container through the runtime; SIGTSTP/SIGCONT pause and resume it;
 * after SIGTERM the container is removed before LSF's SIGKILL can arrive. Whatever happens,
 * the container is gone when this returns (the caller removes the private dir).
 */
export async function runJob(ctx: JobContext): Promise<number> {
  const launch = launchFacts(ctx.spec);
  const start: StartContext = {
    runtime: ctx.runtime,
    control: ctx.runtime.control(launch.name, ctx.files.cidfile),
    launch,
    // Made when a runtime without its own start asks for it (the CLI's argv).
    get argv() {
      return ctx.runtime.runArgv(ctx.spec, ctx.files);
    },
    input: ctx.spec,
    files: ctx.files,
    config: ctx.config,
    log: ctx.log,
    stderr: ctx.stderr ?? processStderr,
  };
  // What the runtime cannot give the job (policy let it run without): in the job's output, first.
  for (const warning of ctx.spec.warnings ?? []) start.stderr(`docker_run: ${warning}\n`);
  const preparing = new Preparing();
  const router = new SignalRouter(ctx.signals ?? process, ctx.log, preparing);
  // Only now let the start-up catcher go: had a signal no listener for a moment, Node would stop
  // watching it, and one caught but not yet dispatched would be lost.
  const early = ctx.early?.release();
  if (early) preparing.onSignal(early as NodeJS.Signals);
  try {
    const pull: PullSetup = {
      locks: ctx.pullLocks,
      progress: launch.tty || launch.interactive ? 'terminal' : 'lines',
      tty: launch.tty,
      write: start.stderr,
    };
    const started = await startContainer(start, router, preparing, pull);
    router.enter(FINISHED);
    return started.kind === 'not-started'
      ? started.status
      : await finish(start, started.attempt, started.startedAt);
  } finally {
    router.close();
  }
}

/**
 * Prepare and start: with pull policy "missing" the image is assumed present (no runtime call to
 * ask); a run that finds it missing pulls it and starts again. Interactive terminals keep the
 * ask-first way. A signal before the container exists stops the job before any (second) start.
 */
async function startContainer(
  ctx: StartContext,
  router: SignalRouter,
  preparing: Preparing,
  pull: PullSetup,
): Promise<Started> {
  const { runtime, config, launch, log } = ctx;
  const optimistic = config.docker.pull === 'missing' && !launch.tty;
  if (!optimistic) await ensureImage(runtime, launch.image, config.docker, log, preparing.abort, pull);
  if (preparing.first) return notStarted(preparing.first, ctx);
  const startedAt = Date.now();
  const first = await attemptRun(ctx, router, optimistic);
  if (first.verdict.kind !== 'image-missing') return { kind: 'ran', attempt: first, startedAt };
  log.info(`image ${launch.image} is not on this host: pulling it`);
  if (first.running.first) return notStarted(first.running.first, ctx);
  const pulling = router.enter(new Preparing());
  const missing = { ...pull, foundMissing: true };
  await ensureImage(runtime, launch.image, { ...config.docker, pull: 'always' }, log, pulling.abort, missing);
  if (pulling.first) return notStarted(pulling.first, ctx);
  return { kind: 'ran', attempt: await attemptRun(ctx, router, false), startedAt };
}

/**
 * The job's status from how its run ended: its own status (137 checked for the OOM killer), a
 * start failure (one line, its own code), or a lost run whose container is removed first.
 */
async function finish(ctx: StartContext, { verdict, stderr, running }: Attempt, startedAt: number) {
  switch (verdict.kind) {
    case 'job-status': {
      stderr.release();
      const oom =
        verdict.status === ExitCode.OOM_KILLED &&
        !running.forcedRemoval &&
        (await ctx.control.wasOomKilled(startedAt));
      if (!oom) return verdict.status;
      const limit = ctx.launch.memory !== undefined ? formatSize(ctx.launch.memory) : 'unknown';
      ctx.stderr(`docker_run: job killed: out of memory (container memory limit ${limit})\n`);
      return ExitCode.OOM_KILLED;
    }
    case 'start-failure':
      throw verdict.error;
    case 'lost': {
      // The run did not end by itself: the container may still run. Remove it, then report.
      if (!verdict.error) stderr.release();
      const removed = await ctx.control.remove();
      if (removed.ok) ctx.log.debug(`container ${ctx.launch.name} removed`);
      if (verdict.error) throw verdict.error;
      return verdict.signal ? signalStatus(verdict.signal) : ExitCode.INTERNAL;
    }
    default:
      throw new WrapperError(ExitCode.INTERNAL, `unexpected run verdict ${verdict.kind}`, 'docker_run');
  }
}
