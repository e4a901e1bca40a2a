import { statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { formatSize } from '../kernel/grammar/size.js';
import type { Logger } from '../kernel/log/logger.js';
import { escalationDelay, RELAYED_SIGNALS, signalStatus } from '../kernel/signals.js';
import { classifyStartFailure, daemonProblem } from '../runtime/docker/classify.js';
import type { DockerCli } from '../runtime/docker/cli.js';
import { ContainerControl } from '../runtime/docker/control.js';
import type { JobFiles } from '../runtime/docker/run-args.js';
import { buildRunArgs } from '../runtime/docker/run-args.js';
import type { RunPlan } from '../runtime/spec.js';
import { ensureImage } from './pull.js';

export interface JobContext {
  plan: RunPlan;
  files: JobFiles;
  config: Config;
  cli: DockerCli;
  log: Logger;
  /** The start-up catcher (see EarlySignals): runJob releases it once its own handlers are in place. */
  early?: { release(): string | undefined };
}

/**
 * Catches terminating signals from the wrapper's first moment until runJob installs its own
 * handlers, so that a bkill during start-up ends the job cleanly (private dir removed, no
 * container started) instead of killing the wrapper mid-way.
 */
export class EarlySignals {
  first: string | undefined;
  private readonly handler = (signal: NodeJS.Signals) => {
    this.first ??= signal;
  };
  constructor() {
    for (const s of RELAYED_SIGNALS) process.on(s, this.handler);
  }
  /** Stops catching; returns the first signal seen, if any. */
  release(): string | undefined {
    for (const s of RELAYED_SIGNALS) process.off(s, this.handler);
    return this.first;
  }
}

const STDERR_TAIL = 16 * 1024;
/** How often, and how long apart, a signal is retried before the container exists (5 s in all). */
const RELAY_ATTEMPTS = 50;
const RELAY_RETRY_MS = 100;

interface StartOutcome {
  exitCode?: number;
  signal?: string;
  stderr: HeldStderr;
}

function notStarted(signal: string, log: Logger): number {
  log.info(`${signal} before the container started: not starting it`);
  return signalStatus(signal);
}

function cidfileWritten(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

/**
 * The `docker run` CLI's stderr: held back while READY() is false, passed through once it is
 * true, with a tail kept for classifying failures.
 */
export class HeldStderr {
  held = '';
  tail = '';
  released = false;
  constructor(
    private readonly ready: () => boolean,
    private readonly out: (chunk: Buffer | string) => void = (c) => process.stderr.write(c),
  ) {}

  write(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.tail = (this.tail + text).slice(-STDERR_TAIL);
    if (!this.released && this.ready()) this.release();
    if (this.released) this.out(chunk);
    else this.held += text;
  }

  /** Passes on what was held; from now on everything flows through. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.held) this.out(this.held);
    this.held = '';
  }
}

/**
 * Runs the planned container to its end and returns the job's exit status. Signals that LSF
 * sends are relayed to the container through the daemon; SIGTSTP/SIGCONT pause and unpause it;
 * after SIGTERM the container is removed before LSF's SIGKILL can arrive. Whatever happens,
 * the container is gone when this returns (the caller removes the private dir).
 */
export async function runJob({ plan, files, config, cli, log, early }: JobContext): Promise<number> {
  const control = new ContainerControl(cli, plan.name, files.cidfile);
  const abort = new AbortController();
  let phase: 'preparing' | 'running' | 'done' = 'preparing';
  let pendingSignal: string | undefined;
  // A terminating signal seen while a first `docker run` turned out to need a pull: its container
  // never existed, so the signal stops the job before the second start.
  let signalWhileStarting: string | undefined;
  let escalation: NodeJS.Timeout | undefined;
  let forcedRemoval = false;

  // A signal that arrives after `docker run` is spawned but before docker has created and started
  // the container finds nothing to signal: try again until it is delivered or the job has ended.
  const relay = async (signal: NodeJS.Signals) => {
    for (let attempt = 0; attempt < RELAY_ATTEMPTS && phase === 'running'; attempt++) {
      const r = await control.kill(signal);
      if (r.exitCode === 0) return;
      log.debug(`docker kill --signal=${signal}: ${r.stderr}`);
      if (!/No such container|is not running/i.test(r.stderr)) return;
      await new Promise((resolve) => setTimeout(resolve, RELAY_RETRY_MS));
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log.info(`received ${signal}`);
    if (signal === 'SIGTSTP' || signal === 'SIGCONT') {
      if (phase === 'running') void (signal === 'SIGTSTP' ? control.pause() : control.unpause());
      return;
    }
    if (phase === 'preparing') {
      pendingSignal ??= signal;
      abort.abort();
      return;
    }
    if (phase !== 'running') return;
    signalWhileStarting ??= signal;
    void relay(signal);
    if (signal === 'SIGTERM' && !escalation) {
      const delay = escalationDelay(config.job.terminateInterval);
      log.debug(`container will be removed in ${delay}s if still running`);
      escalation = setTimeout(() => {
        forcedRemoval = true;
        log.warning(`job still running ${delay}s after SIGTERM: removing its container`);
        void control.remove();
      }, delay * 1000);
    }
  };
  const signals: NodeJS.Signals[] = [...RELAYED_SIGNALS, 'SIGTSTP', 'SIGCONT'];
  for (const s of signals) process.on(s, onSignal);
  // Only now let the start-up catcher go: had a signal no listener for a moment, Node would stop
  // watching it, and one caught but not yet dispatched would be lost.
  pendingSignal ??= early?.release();

  // Set once `docker run` is spawned: before that no container can exist, so nothing to remove.
  let containerMayExist = false;
  let runEndedNormally = false;
  const startContainer = async (): Promise<StartOutcome> => {
    const args = buildRunArgs(plan, files);
    phase = 'running';
    containerMayExist = true;
    const child = cli.spawn(
      args,
      {
        stdin: plan.interactive ? 'inherit' : 'ignore',
        stdout: 'inherit',
        stderr: plan.tty ? 'inherit' : 'pipe',
      },
      { detached: !plan.tty },
    );
    // docker's own complaints before the container exists (no cidfile yet) are held back: they
    // may be retried (image missing) or replaced by one clear line. Once it exists, the job's
    // stderr flows through as it comes.
    const stderr = new HeldStderr(() => cidfileWritten(files.cidfile));
    child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
    // A daemon that does not create the container within the call timeout is hung: the job
    // must not hold its slot forever.
    let hung = false;
    const watchdog = setTimeout(() => {
      if (cidfileWritten(files.cidfile)) return;
      hung = true;
      child.kill('SIGKILL');
    }, config.docker.timeout * 1000);
    const result = await child;
    clearTimeout(watchdog);
    if (result.error) {
      throw new WrapperError(
        ExitCode.DAEMON_UNREACHABLE,
        `cannot run the docker CLI ${cli.binary}: ${result.error}`,
        'docker',
      );
    }
    if (hung) {
      throw new WrapperError(
        ExitCode.DAEMON_TIMEOUT,
        `docker run did not create the container within ${config.docker.timeout}s: the docker daemon seems hung`,
        'docker',
      );
    }
    phase = 'preparing';
    log.debug(`docker run returned ${result.exitCode ?? `signal ${result.signal}`}`);
    return { exitCode: result.exitCode, signal: result.signal, stderr };
  };

  try {
    // With pull policy "missing" the image is assumed present (no docker call to ask); a run that
    // finds it missing pulls it and starts again. Interactive terminals keep the ask-first way.
    const optimistic = config.docker.pull === 'missing' && !plan.tty;
    if (!optimistic) await ensureImage(cli, plan.image, config.docker, log, abort.signal);
    if (pendingSignal) return notStarted(pendingSignal, log);
    const startedAt = Date.now();
    let outcome = await startContainer();
    if (
      optimistic &&
      outcome.exitCode === 125 &&
      !outcome.stderr.released &&
      /No such image/i.test(outcome.stderr.held)
    ) {
      log.info(`image ${plan.image} is not on this host: pulling it`);
      containerMayExist = false;
      if (signalWhileStarting) return notStarted(signalWhileStarting, log);
      await ensureImage(cli, plan.image, { ...config.docker, pull: 'always' }, log, abort.signal);
      if (pendingSignal) return notStarted(pendingSignal, log);
      outcome = await startContainer();
    }
    phase = 'done';
    const { exitCode, stderr } = outcome;
    if (exitCode === undefined) {
      // The CLI itself was killed: the container may still run. Remove it and report the signal.
      stderr.release();
      return outcome.signal ? signalStatus(outcome.signal) : ExitCode.INTERNAL;
    }
    runEndedNormally = true;
    const startFailure = classifyStartFailure(exitCode, stderr.tail, plan.image);
    if (startFailure) throw startFailure;
    if (exitCode === 125) {
      const daemon = daemonProblem(stderr.tail, false, 'run', config.docker.timeout);
      if (daemon) throw daemon;
    }
    stderr.release();
    if (exitCode === 137 && !forcedRemoval && (await wasOomKilled(cli, control.target(), startedAt))) {
      process.stderr.write(
        `docker_run: job killed: out of memory (container memory limit ${plan.memory !== undefined ? formatSize(plan.memory) : 'unknown'})\n`,
      );
      return ExitCode.OOM_KILLED;
    }
    return exitCode;
  } finally {
    phase = 'done';
    if (escalation) clearTimeout(escalation);
    for (const s of signals) process.off(s, onSignal);
    if (containerMayExist && !runEndedNormally) {
      const removed = await control.remove();
      if (removed.exitCode === 0) log.debug(`container ${plan.name} removed`);
    }
  }
}

/** Asks the daemon's event log whether the container (already auto-removed) was killed by the OOM killer. */
async function wasOomKilled(cli: DockerCli, id: string, startedAt: number): Promise<boolean> {
  const result = await cli.call([
    'events',
    '--since',
    String(Math.floor(startedAt / 1000) - 1),
    '--until',
    String(Math.ceil(Date.now() / 1000)),
    '--filter',
    `container=${id}`,
    '--filter',
    'event=oom',
    '--format',
    '{{.Status}}',
  ]);
  return result.exitCode === 0 && /oom/.test(result.stdout);
}
