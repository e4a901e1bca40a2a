import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { jobFilesIn, PRIVATE_PREFIX } from '../host/private-dir.js';
import type { HostProbe } from '../host/probe.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { decideRunPlan } from '../policy/decide.js';
import { parseJobRequest } from '../request/parse.js';
import { buildPullArgs, buildRunArgs } from '../runtime/docker/run-args.js';
import type { RunPlan } from '../runtime/spec.js';
import { renderEnvFile } from './artifacts.js';

/** Everything decided about a job before anything is written or run. */
export interface PreparedJob {
  config: Config;
  configPath: string | undefined;
  log: Logger;
  identity: Identity;
  probe: HostProbe;
  plan: RunPlan;
  envText: string;
}

/**
 * The deciding half of docker_run, shared with `lsf-docker explain`: config, request, identity,
 * policy. Reads (config, stat, realpath, the user's env files), writes nothing.
 */
export function prepareJob(
  program: string,
  configPath: string | undefined,
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
): PreparedJob {
  const { config, path } = loadConfig(configPath, { euid: process.geteuid!() });
  const log = createLogger(program, config.log.level);
  const request = parseJobRequest(env, command, { cwd: process.cwd(), hostname: hostname() });
  if (request.logLevel) log.setLevel(request.logLevel);
  const identity = identityFromOs(env);
  const probe = osProbe(identity, config.devices.gpuDevDir);
  const plan = decideRunPlan({ request, config, identity, probe });
  if (log.debugEnabled) for (const d of plan.decisions) log.debug(`policy: ${d}`);
  return { config, configPath: path, log, identity, probe, plan, envText: renderEnvFile(plan.env) };
}

/** The dry-run view of a prepared job: what would be pulled and run, and the files' contents. */
export function dryRunView(job: PreparedJob) {
  const { config, plan, identity, envText } = job;
  const binary = config.docker.binary;
  const files = jobFilesIn(`${config.paths.tmpRoot}/${PRIVATE_PREFIX}${identity.uid}.DRYRUN`);
  return {
    image: plan.image,
    pull: plan.pull === 'never' ? null : [binary, ...buildPullArgs(plan.image)],
    pull_policy: plan.pull,
    run: [binary, ...buildRunArgs(plan, files)],
    files: { passwd: plan.passwd, group: plan.group, script: plan.script ?? null, env: envText },
    decisions: plan.decisions,
  };
}
