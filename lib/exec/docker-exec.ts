import { hostname } from 'node:os';
import { isatty } from 'node:tty';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { wrapperAlive } from '../host/liveness.js';
import {
  checkTmpRoot,
  createPrivateDir,
  type JobFiles,
  readPrivateDirProof,
  removePrivateDir,
} from '../host/private-dir.js';
import { forgetSnapshot, readJobFileText } from '../host/snapshot-dir.js';
import { renderEnvFile } from '../job/artifacts.js';
import { isWrapperError, WrapperError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import type { JobTarget } from '../kernel/grammar/job-id.js';
import { LABEL } from '../kernel/labels.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { signalStatus } from '../kernel/signals.js';
import { parseSnapshot, SNAPSHOT_LIMIT, SNAPSHOT_VARIABLE } from '../policy/rules/environment.js';
import { createRuntime } from '../runtime/create.js';
import type { ContainerRuntime, FoundContainer } from '../runtime/types.js';
import { execEnvironment, parseExecRequest } from './request.js';
import { newSessionToken, SESSION_VARIABLE } from './session.js';
import { EXEC_SIGNALS, ExecSession, type HostProcesses, realProcesses } from './signals.js';
import { type Confirm, chooseTarget, execCommand, proofReason } from './target.js';

const targetError = (message: string) => new WrapperError(ExitCode.EXEC_TARGET, message, 'JOBID');

/**
 * The proof that a candidate is the caller's job container: its lsf-docker.dir label must name a
 * private dir only root (or, run as the user, the user) could have made, whose owner record
 * names the caller, this host, the container's name and a live docker_run, and whose cidfile
 * holds the container's id.
 */
export function privateDirConfirm(caller: Pick<Identity, 'uid'>, host = hostname()): Confirm {
  const euid = process.geteuid!();
  const trusted = euid === 0 ? [0] : [0, euid];
  return (c) =>
    proofReason(
      c,
      readPrivateDirProof(c.labels[LABEL.dir] ?? '', caller.uid, trusted),
      caller,
      host,
      wrapperAlive,
    );
}

/** The running container of the caller's job JOB, found by label and proven (227 otherwise). */
export async function findTarget(
  runtime: ContainerRuntime,
  job: JobTarget,
  caller: Pick<Identity, 'uid' | 'gid'>,
  confirm: Confirm = privateDirConfirm(caller),
): Promise<FoundContainer> {
  let candidates: FoundContainer[];
  try {
    candidates = await runtime.find({ [LABEL.job]: String(job.id) });
  } catch (err) {
    throw isWrapperError(err) ? err : targetError((err as Error).message);
  }
  const choice = chooseTarget(candidates, job, caller, confirm);
  if (!choice.ok) throw targetError(choice.reason);
  return choice.container;
}

/** Run through sudo: the job's environment snapshot, read as the user (refused when unreadable). */
function snapshotOf(env: NodeJS.ProcessEnv, identity: Identity): string[] | undefined {
  const file = env[SNAPSHOT_VARIABLE];
  if (file === undefined || env.SUDO_UID === undefined) return undefined;
  try {
    const entries = parseSnapshot(readJobFileText(identity, file, SNAPSHOT_LIMIT));
    forgetSnapshot(file, identity.uid);
    return entries;
  } catch (err) {
    throw new WrapperError(ExitCode.POLICY, `${file}: ${(err as Error).message}`, SNAPSHOT_VARIABLE);
  }
}

/** Everything one exec needs once its target is known. */
export interface ExecPlan {
  config: Config;
  log: Logger;
  identity: Identity;
  runtime: ContainerRuntime;
  container: FoundContainer;
  /** NAME=value entries for the exec's env-file. */
  env: string[];
  words: string[];
  job: JobTarget;
  /** stdin is the user's terminal / the job is interactive. */
  interactive: boolean;
  tty: boolean;
}

/**
 * docker_exec: runs COMMAND inside the container of the caller's running job, as the caller,
 * with the environment under docker_run's rules; signals go to the processes it started.
 */
export async function dockerExec(request: {
  configPath: string | undefined;
  argv: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<number> {
  const env = request.env ?? process.env;
  const { config } = loadConfig(request.configPath, { euid: process.geteuid!() });
  const log = createLogger('docker_exec', config.log.level);
  const { job, words } = parseExecRequest(request.argv, env);
  const identity = identityFromOs(env);
  const runtime = createRuntime({ config, identity, log });
  const container = await findTarget(runtime, job, identity);
  log.debug(`target container ${container.name}`);
  const execEnv = execEnvironment(env, config, log, snapshotOf(env, identity));
  const interactive = (env.LSB_INTERACTIVE ?? '').toUpperCase() === 'Y' || isatty(0);
  const tty = interactive && isatty(0) && isatty(1);
  checkTmpRoot(config.paths.tmpRoot, identity.uid, { asRoot: process.geteuid!() === 0 });
  return runExec({ config, log, identity, runtime, container, env: execEnv, words, job, interactive, tty });
}

/**
 * The exec itself: a private dir holding its env-file (with the session token), the exec CLI
 * (stdio inherited), and the signals relayed to the session's processes.
 */
export async function runExec(
  plan: ExecPlan,
  deps: { host?: HostProcesses; signals?: Pick<NodeJS.Process, 'on' | 'off'> } = {},
): Promise<number> {
  const { config, log, identity, runtime, container } = plan;
  const token = newSessionToken();
  const session = new ExecSession(
    runtime,
    container.id,
    token,
    config.job.terminateInterval,
    log,
    deps.host ?? realProcesses,
  );
  const source = deps.signals ?? process;
  for (const s of EXEC_SIGNALS) source.on(s, session.onSignal);
  let files: JobFiles | undefined;
  try {
    files = createPrivateDir(config.paths.tmpRoot, identity.uid, {
      passwd: '',
      group: '',
      env: renderEnvFile([...plan.env, `${SESSION_VARIABLE}=${token}`]),
      // not the job's container: a sweep of a stale exec dir must never remove the job's container
      owner: {
        pid: process.pid,
        host: hostname(),
        uid: identity.uid,
        container: '',
        job: String(plan.job.id),
        started: new Date().toISOString(),
      },
    });
    if (session.received) return signalStatus(session.received);
    const argv = runtime.execArgv(container.id, {
      user: `${identity.uid}:${identity.gid}`,
      envFile: files.env,
      interactive: plan.interactive,
      tty: plan.tty,
      command: execCommand(plan.words),
    });
    session.child = runtime.exec.spawn(
      argv,
      { stdin: plan.interactive ? 'inherit' : 'ignore', stdout: 'inherit', stderr: 'inherit' },
      { detached: false },
    );
    const result = await session.child;
    if (!session.received) return result.exitCode ?? Status.SIGNALLED;
    await session.drain();
    return signalStatus(session.received);
  } finally {
    for (const s of EXEC_SIGNALS) source.off(s, session.onSignal);
    if (files) removePrivateDir(files.dir);
  }
}
