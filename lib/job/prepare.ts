import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { jobFilesIn } from '../host/private-dir.js';
import type { HostProbe } from '../host/probe.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { dryRunDir } from '../kernel/names.js';
import { decideContainerSpec } from '../policy/decide.js';
import { parseJobRequest } from '../request/parse.js';
import type { ContainerSpec } from '../runtime/container-spec.js';
import { dockerPullArgv, dockerRunArgv } from '../runtime/docker/argv/run.js';
import { type RenderedFiles, renderJobFiles } from './artifacts.js';

/** Everything decided about a job before anything is written or run. */
export interface PreparedJob {
  config: Config;
  configPath: string | undefined;
  log: Logger;
  identity: Identity;
  probe: HostProbe;
  spec: ContainerSpec;
  /** The job's files, rendered from the spec (written by lib/host/private-dir.ts). */
  files: RenderedFiles;
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
  const spec = decideContainerSpec({ request, config, identity, probe });
  if (log.debugEnabled) for (const d of spec.decisions) log.debug(`policy: ${d}`);
  const files = renderJobFiles(spec);
  return {
    config,
    configPath: path,
    log,
    identity,
    probe,
    spec,
    files,
  };
}

/** The dry-run view of a prepared job: what would be pulled and run, and the files' contents. */
export function dryRunView(job: PreparedJob) {
  const { config, spec, identity, files } = job;
  const binary = config.docker.binary;
  const jobFiles = jobFilesIn(dryRunDir(config.paths.tmpRoot, identity.uid));
  return {
    image: spec.image.ref,
    pull: spec.image.pull === 'never' ? null : [binary, ...dockerPullArgv(spec.image.ref)],
    pull_policy: spec.image.pull,
    run: [binary, ...dockerRunArgv(spec, jobFiles)],
    files: { passwd: files.passwd, group: files.group, script: files.script ?? null, env: files.env },
    decisions: spec.decisions,
  };
}
