import type { Config } from '../config/schema.js';
import { imageLinks } from '../host/image-layers.js';
import { removeJobTmpdir } from '../host/job-tmpdir.js';
import { jsonLiteral } from '../host/json-literal.js';
import { wrapperAlive } from '../host/liveness.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import { forgetSnapshot } from '../host/snapshot-dir.js';
import { dryRunPieces } from '../job/dry-run-output.js';
import { collectAfterJob } from '../job/image/gc.js';
import { jobImageState } from '../job/image/host-state.js';
import type { PullLocks } from '../job/image/pull-lock.js';
import { sweepStaleDirs } from '../job/leftovers.js';
import { dryRunView, type PreparedJob, prepareJob } from '../job/prepare.js';
import { ensureImage } from '../job/pull.js';
import { runJob } from '../job/run-job.js';
import { EarlySignals } from '../job/signal-source.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import { helperSignal, signalStatus } from '../kernel/signals.js';
import { imagePathProblem } from '../policy/image-paths.js';
import { SNAPSHOT_VARIABLE } from '../policy/rules/environment.js';
import { createRuntime } from '../runtime/create.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { privateDirContents } from './job-files.js';
import { writeProfileAudit } from './profile-audit.js';
import { replacePrevious } from './replace-container.js';
import { releaseOnceRunning, type Staged, stageMounts } from './staging.js';

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
    if (process.env.SUDO_UID !== undefined) forgetSnapshot(process.env[SNAPSHOT_VARIABLE], job.identity.uid);
    if (request.dryRun) {
      for (const piece of dryRunPieces(dryRunView(job), jsonLiteral)) process.stdout.write(piece);
      return 0;
    }
    try {
      return await runPrepared(job, early);
    } finally {
      removeJobTmpdir(job.jobTmpdir, job.identity);
    }
  } catch (err) {
    const signal = await signalDuringStartUp(early);
    if (signal === undefined) throw err;
    return signalStatus(signal);
  } finally {
    early.release();
  }
}

/**
 * The terminating signal that came while the job was starting, if one did. A signal to the job's
 * process group also kills the short helpers the wrapper runs then (getent, the user-file reader,
 * mount): what fails because of that is the signal's doing, and the job ends as killed by it.
 * Node runs a handler on the loop's next turn, so a signal caught during the synchronous part is
 * only seen after one; a helper that died of such a signal counts as well (kernel/signals.ts).
 */
async function signalDuringStartUp(early: EarlySignals): Promise<string | undefined> {
  await new Promise((resolve) => setImmediate(resolve));
  return early.first ?? helperSignal();
}

/**
 * Runs a prepared job: its private dir (checked tmp root, files written with O_EXCL), the
 * runtime (its environment and config dir built once), the job itself with the start-up sweep
 * beside it (begun once the job's container is being created); the private dir is removed
 * whatever happens.
 */
async function runPrepared(job: PreparedJob, early: EarlySignals): Promise<number> {
  const { config, log, identity, probe } = job;
  const asRoot = process.geteuid!() === 0;
  checkTmpRoot(config.paths.tmpRoot, identity.uid, { asRoot });
  if (job.profile) writeProfileAudit(job, job.profile, process.geteuid!());
  const files = createPrivateDir(config.paths.tmpRoot, identity.uid, privateDirContents(job));
  log.debug(`private dir ${files.dir}`);
  let staged: Staged | undefined;
  try {
    const runtime = createRuntime({
      config,
      identity,
      log,
      privateDir: files.dir,
      readUserFile: probe.readUserFile,
    });
    const fixed = job.profile?.containerName;
    if (fixed)
      await replacePrevious(runtime, { name: fixed, profile: job.profile!.name, uid: identity.uid }, log);
    const images = jobImageState(config, identity.uid, process.geteuid!(), log);
    images.recordUse(job.spec.image.ref);
    // As root for the user: the image's own symlinks checked, the checked directories held and
    // given to the runtime by mount point.
    const runConfig = asRoot ? await checkImage(runtime, job, images.locks) : config;
    staged = asRoot ? stageMounts(job.spec.storage.mounts, files.dir, identity, log) : undefined;
    const spec = staged ? { ...job.spec, storage: { ...job.spec.storage, mounts: staged.mounts } } : job.spec;
    const watch = staged && releaseOnceRunning(staged, runtime, files.cidfile, log);
    const running = runJob({
      spec,
      files,
      config: runConfig,
      runtime,
      log,
      early,
      pullLocks: images.locks,
    }).finally(() => watch?.stop());
    // The start-up sweep once the job's own create is on its way: off the job's start.
    const swept = config.job.sweepOnStart ? sweepAtStart(runtime, job, log) : undefined;
    const status = await running;
    await swept;
    await collectAfterJob(runtime, config.images, log);
    log.debug(`about to exit ${status}`);
    return status;
  } finally {
    for (const p of staged?.release() ?? []) log.warning(`staging: ${p}`);
    try {
      removePrivateDir(files.dir);
      log.debug(`cleaned up ${files.dir}`);
    } catch (err) {
      log.warning(`${(err as Error).message} (lsf-docker sweep removes it later)`);
    }
  }
}

/**
 * As root: the image made present as the pull policy says, then every mount target and the
 * workdir looked up again through the image's own symlinks (policy could not see the image). The
 * config returned runs the image as it now is (no second pull).
 */
async function checkImage(runtime: ContainerRuntime, job: PreparedJob, locks?: PullLocks): Promise<Config> {
  const { config, log, spec, probe } = job;
  // One inspect when the image is there (each is a CLI process with podman): pulled only when
  // the policy says always or it is absent, then asked again.
  let found = config.docker.pull === 'always' ? undefined : await runtime.imageLayers(spec.image.ref);
  if (found === undefined || found.kind === 'absent') {
    await ensureImage(runtime, spec.image.ref, config.docker, log, new AbortController().signal, { locks });
    found = await runtime.imageLayers(spec.image.ref);
  }
  if (found.kind !== 'layers') {
    const why = found.kind === 'absent' ? 'not found' : `its ${found.driver} store is not read here`;
    log.debug(`image ${spec.image.ref}: ${why}; its symlinks are not checked`);
    return config;
  }
  const problem = imagePathProblem(spec, imageLinks(found.dirs), probe);
  if (problem) throw new WrapperError(ExitCode.POLICY, problem.message, problem.variable);
  return config.docker.pull === 'never'
    ? config
    : { ...config, docker: { ...config.docker, pull: 'missing' } };
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
