import { hostname } from 'node:os';
import { buildPullArgs, buildRunArgs } from '../argv/run-args.js';
import {
  checkTmpRoot,
  createPrivateDir,
  jobFilesIn,
  PRIVATE_PREFIX,
  removePrivateDir,
} from '../artifacts/private-dir.js';
import { renderEnvFile } from '../artifacts/render.js';
import { loadConfig } from '../config/load.js';
import { usageError } from '../errors.js';
import { identityFromOs } from '../identity/from-os.js';
import { runJob } from '../job/run-job.js';
import { createLogger } from '../log/logger.js';
import { osProbe } from '../policy/os-probe.js';
import { decideRunPlan } from '../policy/policy.js';
import { parseJobRequest } from '../request/parse.js';
import { cliEnvironment, DockerCli } from '../runner/docker-cli.js';
import { dockerConfigFor } from '../runner/docker-config.js';
import { wrapperAlive } from '../sweep/liveness.js';
import { sweepStaleDirs } from '../sweep/sweep.js';
import { parseProgramArgs } from './args.js';

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
  const { config } = loadConfig(args.config, { euid: process.geteuid!() });
  const log = createLogger('docker_run', config.log.level);
  const request = parseJobRequest(process.env, args.command, { cwd: process.cwd(), hostname: hostname() });
  if (request.logLevel) log.setLevel(request.logLevel);

  const identity = identityFromOs();
  const probe = osProbe(identity, config.devices.gpuDevDir);
  const plan = decideRunPlan({ request, config, identity, probe });
  if (log.debugEnabled) for (const d of plan.decisions) log.debug(`policy: ${d}`);
  const envText = renderEnvFile(plan.env);
  const binary = config.docker.binary;

  if (args.dryRun) {
    const files = jobFilesIn(`${config.paths.tmpRoot}/${PRIVATE_PREFIX}${identity.uid}.DRYRUN`);
    const run = [binary, ...buildRunArgs(plan, files)];
    run.splice(2, 0, '--pull=never');
    process.stdout.write(
      `${JSON.stringify(
        {
          image: plan.image,
          pull: plan.pull === 'never' ? null : [binary, ...buildPullArgs(plan.image)],
          pull_policy: plan.pull,
          run,
          files: { passwd: plan.passwd, group: plan.group, script: plan.script ?? null, env: envText },
          decisions: plan.decisions,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }

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
      const swept = await sweepStaleDirs(cli, {
        tmpRoot: config.paths.tmpRoot,
        host: probe.hostname,
        uid: identity.uid,
        selfPid: process.pid,
        isAlive: wrapperAlive,
        dryRun: false,
        orphanAgeMs: 10 * 60 * 1000,
      });
      for (const c of swept.containers) log.info(`swept container ${c} left by a killed wrapper`);
      for (const d of swept.dirs) log.info(`swept private dir ${d} left by a killed wrapper`);
    }
    const status = await runJob({ plan, files, config, cli, log });
    log.debug(`about to exit ${status}`);
    return status;
  } finally {
    removePrivateDir(files.dir);
    log.debug(`cleaned up ${files.dir}`);
  }
}
