import type { Config } from '../config/schema.js';
import type { JobFiles } from '../host/private-dir.js';
import type { Logger } from '../kernel/log/logger.js';
import type {
  ContainerControl,
  ContainerRuntime,
  RunInput,
  RunVerdict,
  SpawnStdio,
} from '../runtime/types.js';
import { HeldStderr, type StderrWriter } from './held-stderr.js';
import type { LaunchFacts } from './launch.js';
import { Running, type SignalRouter } from './phases.js';

/** What starting the container needs: the runtime, the run argv, the container's control. */
export interface StartContext {
  runtime: ContainerRuntime;
  control: ContainerControl;
  launch: LaunchFacts;
  /** The run argv (without the binary), from runtime.runArgv. */
  argv: string[];
  /** The spec and private files the argv was made of, for a runtime that starts containers itself (startRun). */
  input: RunInput;
  files: JobFiles;
  config: Config;
  log: Logger;
  stderr: StderrWriter;
}

/** One run of the container: how it ended, its stderr, and the Running phase it went through. */
export interface Attempt {
  verdict: RunVerdict;
  stderr: HeldStderr;
  running: Running;
}

/**
 * Spawns the run CLI (in its own process group unless the job has a terminal), relays signals
 * to its container while it runs, and classifies how it ended. The runtime's complaints before
 * the container exists (no cidfile yet) are held back; a runtime that does not create the
 * container within [docker] timeout is declared hung (the watchdog kills the CLI).
 */
export async function attemptRun(
  ctx: StartContext,
  router: SignalRouter,
  mayPull: boolean,
): Promise<Attempt> {
  const { runtime, control, launch, config, log } = ctx;
  const running = router.enter(new Running(control, log, config.job.terminateInterval));
  const stdio: SpawnStdio = {
    stdin: launch.interactive ? 'inherit' : 'ignore',
    stdout: 'inherit',
    stderr: launch.tty ? 'inherit' : 'pipe',
  };
  const child = runtime.startRun
    ? runtime.startRun(ctx.input, ctx.files, stdio, { detached: !launch.tty })
    : runtime.exec.spawn(ctx.argv, stdio, { detached: !launch.tty });
  const stderr = new HeldStderr(() => control.created(), ctx.stderr);
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  let hung = false;
  const watchdog = setTimeout(() => {
    if (control.created()) return;
    hung = true;
    child.kill('SIGKILL');
  }, config.docker.timeout * 1000);
  const result = await child;
  clearTimeout(watchdog);
  running.end();
  if (!result.error && !hung) {
    log.debug(`${runtime.name} run returned ${result.exitCode ?? `signal ${result.signal}`}`);
  }
  const end = { ...result, hung, stderr };
  const verdict = runtime.classify.run(end, { image: launch.image, timeout: config.docker.timeout, mayPull });
  return { verdict, stderr, running };
}
