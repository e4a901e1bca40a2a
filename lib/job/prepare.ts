import { hostname, release } from 'node:os';
import { loadConfig } from '../config/load.js';
import { effectiveConfig } from '../config/profiles/effective.js';
import type { AppliedProfile } from '../config/profiles/types.js';
import { whoOf } from '../config/profiles/who.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import { identityFromOsLater } from '../host/identity-from-os.js';
import { type JobTmpdir, removeJobTmpdir } from '../host/job-tmpdir.js';
import { osProbe } from '../host/os-probe.js';
import { jobFilesIn } from '../host/private-dir.js';
import type { HostProbe } from '../host/probe.js';
import { createLogger, type Logger } from '../kernel/log/logger.js';
import { dryRunDir } from '../kernel/names.js';
import { decideContainerSpec } from '../policy/decide.js';
import { parseJobRequest } from '../request/parse.js';
import { profileChoice } from '../request/profile.js';
import { runtimeCapabilities } from '../runtime/capabilities.js';
import type { ContainerSpec } from '../runtime/container-spec.js';
import { createRuntime } from '../runtime/create.js';
import { type RenderedFiles, renderJobFiles } from './artifacts.js';
import { withProfile } from './profile-spec.js';
import { jobEnvironmentOf } from './scheduler-env.js';

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
  /** The admin profile that applied ([profile NAME]), and what it widened; undefined without one. */
  profile?: AppliedProfile;
  /** The job tmpdir made for a Slurm job (remove with removeJobTmpdir(jobTmpdir, identity)). */
  jobTmpdir?: JobTmpdir;
}

/**
 * The deciding half of docker_run, shared with `lsf-docker explain`: config, profile (the
 * admin's PROFILE from --profile, else LSF_DOCKER_PROFILE), request, identity, policy. A profile
 * the user may not use is refused here, before anything exists. Reads (config, stat, realpath,
 * the user's env files), writes nothing.
 */
export function prepareJob(
  program: string,
  configPath: string | undefined,
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
  fixedProfile?: string,
  opts: { makeTmpdir?: boolean } = {},
): PreparedJob {
  // The identity begun first: the names of its groups are looked up (NSS) while the config loads.
  const identityLater = identityFromOsLater(env);
  const { config: loaded, path } = loadConfig(configPath, { euid: process.geteuid!() });
  const log = createLogger(program, loaded.log.level);
  const choice = profileChoice(env, fixedProfile);
  const identity = identityLater();
  const { config, profile } = effectiveConfig(loaded, whoOf(identity), choice, { kernel: release() });
  // A Slurm job: the LSB_* contract from Slurm's facts, and (a real run) its job tmpdir made first.
  const job = jobEnvironmentOf(env, { config, owner: () => identity, makeTmpdir: !!opts.makeTmpdir, log });
  try {
    const request = parseJobRequest(job.env, command, {
      cwd: process.cwd(),
      hostname: hostname(),
      scheduler: job.scheduler,
    });
    if (request.logLevel) log.setLevel(request.logLevel);
    const probe = osProbe(identity, config.devices.gpuDevDir);
    const runtime = runtimeCapabilities(config.docker.engine);
    const decided = decideContainerSpec({ request, config, identity, probe, runtime });
    const spec = profile ? withProfile(decided, profile) : decided;
    if (config.security.privileged) {
      log.warning(
        `PRIVILEGED container${profile ? ` (profile ${profile.name})` : ''}: root-equivalent on this host`,
      );
    }
    if (log.debugEnabled) for (const d of spec.decisions) log.debug(`policy: ${d}`);
    const files = renderJobFiles(spec);
    const tmpdir = job.tmpdir ? { jobTmpdir: job.tmpdir } : {};
    return {
      config,
      configPath: path,
      log,
      identity,
      probe,
      spec,
      files,
      ...(profile ? { profile } : {}),
      ...tmpdir,
    };
  } catch (err) {
    removeJobTmpdir(job.tmpdir, identity);
    throw err;
  }
}

/** The dry-run view of a prepared job: what would be pulled and run, and the files' contents. */
export function dryRunView(job: PreparedJob) {
  const { config, spec, identity, files, log } = job;
  const binary = config.docker.binary;
  const jobFiles = jobFilesIn(dryRunDir(config.paths.tmpRoot, identity.uid));
  // The runtime's own argv (pure); made without a private dir, it writes nothing.
  const runtime = createRuntime({ config, identity, log, actingAsRoot: false });
  return {
    image: spec.image.ref,
    pull: spec.image.pull === 'never' ? null : [binary, ...runtime.pullArgv(spec.image.ref)],
    pull_policy: spec.image.pull,
    run: [binary, ...runtime.runArgv(spec, jobFiles)],
    files: { passwd: files.passwd, group: files.group, script: files.script ?? null, env: files.env },
    decisions: spec.decisions,
    ...(job.profile ? { profile: job.profile } : {}),
    ...(spec.warnings?.length ? { warnings: spec.warnings } : {}),
  };
}
