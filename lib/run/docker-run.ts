import { removeJobTmpdir } from '../host/job-tmpdir.js';
import { wrapperAlive } from '../host/liveness.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import { collectAfterJob } from '../job/image/gc.js';
import { jobImageState } from '../job/image/host-state.js';
import { sweepStaleDirs } from '../job/leftovers.js';
import { dryRunView, type PreparedJob, prepareJob } from '../job/prepare.js';
import { runJob } from '../job/run-job.js';
import { EarlySignals } from '../job/signal-source.js';
import type { Logger } from '../kernel/log/logger.js';
import { createRuntime } from '../runtime/create.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { privateDirContents } from './job-files.js';
import { writeProfileAudit } from './profile-audit.js';
import { replacePrevious } from './replace-container.js';

export interface DockerRunRequest {
  /** --config FILE, if given. */
  configPath: string | undefined;
  command: string[];
  dryRun: boolean;
  /** --profile NAME in the job starter line: the admin's profile for every job of this starter. */
  profile?: string;
}

/** Private dirs without a readable owner record older than this are orphans. */
const ORPHAN_AGE_MS = 10 * 60 * 1000;

/**
 * docker_run: decide the job (config, request, identity, policy), then either print the dry
 * run or run it. Terminating signals are caught from the first moment (EarlySignals), so that a
 * bkill during start-up ends the job cleanly.
 */
export async function dockerRun(request: DockerRunRequest): Promise<number> {
  const early = new EarlySignals();
  try {
    const job = prepareJob('docker_run', request.configPath, request.command, process.env, request.profile, {
      makeTmpdir: !request.dryRun,
    });
    if (request.dryRun) {
      process.stdout.write(`${JSON.stringify(dryRunView(job), null, 2)}\n`);
      return 0;
    }
    try {
      return await runPrepared(job, early);
    } finally {
      removeJobTmpdir(job.jobTmpdir, job.identity);
    }
  } finally {
    early.release();
  }
}

/**
 * Runs a prepared job: its private dir (checked tmp root, files written with O_EXCL), the
 * runtime (its environment and config dir built once), the start-up sweep, the job itself;
 * the private dir is removed whatever happens.
 */
async function runPrepared(job: PreparedJob, early: EarlySignals): Promise<number> {
  const { config, log, identity, probe } = job;
  checkTmpRoot(config.paths.tmpRoot, identity.uid);
  if (job.profile) writeProfileAudit(job, job.profile, process.geteuid!());
  const files = createPrivateDir(config.paths.tmpRoot, identity.uid, privateDirContents(job));
  log.debug(`private dir ${files.dir}`);
  try {
    const runtime = createRuntime({
      config,
      identity,
      log,
      privateDir: files.dir,
      actingAsRoot: process.geteuid!() === 0,
      readUserFile: probe.readUserFile,
    });
    if (config.job.sweepOnStart) await sweepAtStart(runtime, job, log);
    const fixed = job.profile?.containerName;
    if (fixed)
      await replacePrevious(runtime, { name: fixed, profile: job.profile!.name, uid: identity.uid }, log);
    const images = jobImageState(config, identity.uid, process.geteuid!(), log);
    images.recordUse(job.spec.image.ref);
    const status = await runJob({
      spec: job.spec,
      files,
      config,
      runtime,
      log,
      early,
      pullLocks: images.locks,
    });
    await collectAfterJob(runtime, config.images, log);
    log.debug(`about to exit ${status}`);
    return status;
  } finally {
    removePrivateDir(files.dir);
    log.debug(`cleaned up ${files.dir}`);
  }
}

/** The same user's leftovers of killed wrappers on this host. Best effort: a problem is logged, never fatal. */
export async function sweepAtStart(runtime: ContainerRuntime, job: PreparedJob, log: Logger): Promise<void> {
  try {
    const swept = await sweepStaleDirs(runtime, {
      tmpRoot: job.config.paths.tmpRoot,
      host: job.probe.hostname,
      uid: job.identity.uid,
      selfPid: process.pid,
      isAlive: wrapperAlive,
      dryRun: false,
      orphanAgeMs: ORPHAN_AGE_MS,
      euid: process.geteuid!(),
    });
    for (const c of swept.containers) log.info(`swept container ${c} left by a killed wrapper`);
    for (const d of swept.dirs) log.info(`swept private dir ${d} left by a killed wrapper`);
    for (const p of swept.problems) log.warning(`sweep: ${p}`);
  } catch (err) {
    log.warning(`sweep: ${(err as Error).message}`);
  }
}
