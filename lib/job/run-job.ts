import type { JobFiles } from '../argv/run-args.js';
import { buildRunArgs } from '../argv/run-args.js';
import type { Config } from '../config/schema.js';
import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../log/logger.js';
import type { RunPlan } from '../policy/run-plan.js';
import { formatSize } from '../request/grammar/size.js';
import { classifyStartFailure, daemonProblem } from '../runner/classify.js';
import type { DockerCli } from '../runner/docker-cli.js';
import { ContainerControl } from './container-control.js';
import { ensureImage } from './pull.js';
import { escalationDelay, RELAYED_SIGNALS, signalStatus } from './signals.js';

export interface JobContext {
  plan: RunPlan;
  files: JobFiles;
  config: Config;
  cli: DockerCli;
  log: Logger;
}

const STDERR_TAIL = 16 * 1024;

/**
 * Runs the planned container to its end and returns the job's exit status. Signals that LSF
 * sends are relayed to the container through the daemon; SIGTSTP/SIGCONT pause and unpause it;
 * after SIGTERM the container is removed before LSF's SIGKILL can arrive. Whatever happens,
 * the container is gone when this returns (the caller removes the private dir).
 */
export async function runJob({ plan, files, config, cli, log }: JobContext): Promise<number> {
  const control = new ContainerControl(cli, plan.name, files.cidfile);
  const abort = new AbortController();
  let phase: 'preparing' | 'running' | 'done' = 'preparing';
  let pendingSignal: string | undefined;
  let escalation: NodeJS.Timeout | undefined;
  let forcedRemoval = false;

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
    void control.kill(signal).then((r) => {
      if (r.exitCode !== 0) log.debug(`docker kill --signal=${signal}: ${r.stderr}`);
    });
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

  // Set once `docker run` is spawned: before that no container can exist, so nothing to remove.
  let containerMayExist = false;
  let runEndedNormally = false;
  try {
    await ensureImage(cli, plan.image, config.docker, log, abort.signal);
    if (pendingSignal) {
      log.info(`${pendingSignal} before the container started: not starting it`);
      return signalStatus(pendingSignal);
    }
    const args = buildRunArgs(plan, files);
    args.splice(1, 0, '--pull=never');
    phase = 'running';
    containerMayExist = true;
    const startedAt = Date.now();
    const child = cli.spawn(
      args,
      {
        stdin: plan.interactive ? 'inherit' : 'ignore',
        stdout: 'inherit',
        stderr: plan.tty ? 'inherit' : 'pipe',
      },
      { detached: !plan.tty },
    );
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const result = await child;
    phase = 'done';
    const exitCode = result.exitCode;
    log.debug(`docker run returned ${exitCode ?? `signal ${result.signal}`}`);
    if (exitCode === undefined) {
      // The CLI itself was killed: the container may still run. Remove it and report the signal.
      return result.signal ? signalStatus(result.signal) : ExitCode.INTERNAL;
    }
    runEndedNormally = true;
    const startFailure = classifyStartFailure(exitCode, stderrTail, plan.image);
    if (startFailure) throw startFailure;
    if (exitCode === 125) {
      const daemon = daemonProblem(stderrTail, false, 'run', config.docker.timeout);
      if (daemon) throw daemon;
    }
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
