import { wrapperAlive } from '../host/liveness.js';
import { checkTmpRoot, createPrivateDir, removePrivateDir } from '../host/private-dir.js';
import { dryRunView, prepareJob } from '../job/prepare.js';
import { EarlySignals, runJob } from '../job/run-job.js';
import { usageError } from '../kernel/errors.js';
import { parseProgramArgs } from '../kernel/program-args.js';
import { cliEnvironment, DockerCli } from '../runtime/docker/cli.js';
import { dockerConfigFor } from '../runtime/docker/config-dir.js';
import { sweepStaleDirs } from '../sweep/sweep.js';

const USAGE = `Usage: docker_run [--config FILE] [--dry-run] [--] COMMAND...

Runs an LSF job's COMMAND inside a locked-down container: the job starter of
bsub -a 'docker(IMAGE)'. The image comes from LSB_CONTAINER_IMAGE; the container
is tuned by LSF_DOCKER_* variables within the admin's policy (see docs/).`;

const OPTIONS = {
  'config FILE': 'admin config (default /etc/lsf-docker/lsf-docker.conf)',
  'dry-run': 'print the plan as JSON (image, pull, run argv, files) and run nothing',
};

export async function dockerRunMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_run', USAGE, argv, { dryRun: true, options: OPTIONS });
  if (args.exit !== undefined) return args.exit;
  if (args.command.length === 0) throw usageError('no COMMAND given (see docker_run --help)');
  const early = new EarlySignals();
  try {
    return await startJob(args.config, args.command, args.dryRun, early);
  } finally {
    early.release();
  }
}

async function startJob(
  configPath: string | undefined,
  command: string[],
  dryRun: boolean,
  early: EarlySignals,
) {
  const job = prepareJob('docker_run', configPath, command);
  if (dryRun) {
    process.stdout.write(`${JSON.stringify(dryRunView(job), null, 2)}\n`);
    return 0;
  }
  const { config, log, identity, probe, plan, envText } = job;
  const binary = config.docker.binary;

  checkTmpRoot(config.paths.tmpRoot, identity.uid);
  const files = createPrivateDir(config.paths.tmpRoot, identity.uid, {
    passwd: plan.passwd,
    group: plan.group,
    script: plan.script,
    env: envText,
    owner: {
      pid: process.pid,
      host: probe.hostname,
      uid: identity.uid,
      container: plan.name,
      job: plan.labels.find(([k]) => k === 'lsf-docker.job')?.[1] ?? '',
      started: new Date().toISOString(),
    },
  });
  log.debug(`private dir ${files.dir}`);
  try {
    const actingAsRoot = process.geteuid!() === 0;
    const dockerConfig = dockerConfigFor(identity.home, actingAsRoot, files.dir, probe.readUserFile);
    const cli = new DockerCli({
      binary,
      env: cliEnvironment(identity.home, config.docker.host, dockerConfig),
      timeout: config.docker.timeout,
      log,
    });
    if (config.job.sweepOnStart) {
      // Best effort: a sweep problem is logged, never a reason to fail the job.
      try {
        const swept = await sweepStaleDirs(cli, {
          tmpRoot: config.paths.tmpRoot,
          host: probe.hostname,
          uid: identity.uid,
          selfPid: process.pid,
          isAlive: wrapperAlive,
          dryRun: false,
          orphanAgeMs: 10 * 60 * 1000,
          euid: process.geteuid!(),
        });
        for (const c of swept.containers) log.info(`swept container ${c} left by a killed wrapper`);
        for (const d of swept.dirs) log.info(`swept private dir ${d} left by a killed wrapper`);
        for (const p of swept.problems) log.warning(`sweep: ${p}`);
      } catch (err) {
        log.warning(`sweep: ${(err as Error).message}`);
      }
    }
    const status = await runJob({ plan, files, config, cli, log, early });
    log.debug(`about to exit ${status}`);
    return status;
  } finally {
    removePrivateDir(files.dir);
    log.debug(`cleaned up ${files.dir}`);
  }
}
