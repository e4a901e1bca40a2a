import { parseImageRef } from '../kernel/grammar/image.js';
import type { KeyDef } from './key-def.js';
import { BUILD_KEYS, type BuildConfig, buildDefaults } from './keys/build.js';
import { DEVICES_KEYS, type DevicesConfig, devicesDefaults } from './keys/devices.js';
import { DOCKER_KEYS, type DockerConfig, dockerDefaults } from './keys/docker.js';
import { ENVIRONMENT_KEYS, type EnvironmentConfig, environmentDefaults } from './keys/environment.js';
import { IMAGES_KEYS, type ImagesConfig, imagesDefaults } from './keys/images.js';
import { IPC_KEYS, type IpcConfig, ipcDefaults } from './keys/ipc.js';
import { JOB_KEYS, type JobConfig, jobDefaults } from './keys/job.js';
import { LOCAL_KEYS, type LocalConfig, localDefaults } from './keys/local.js';
import { LOG_KEYS, type LogConfig, logDefaults } from './keys/log.js';
import { MOUNTS_KEYS, type MountsConfig, mountsDefaults } from './keys/mounts.js';
import { NETWORK_KEYS, type NetworkConfig, networkDefaults } from './keys/network.js';
import { PATHS_KEYS, type PathsConfig, pathsDefaults } from './keys/paths.js';
import { PORTS_KEYS, type PortsConfig, portsDefaults } from './keys/ports.js';
import { RESOURCES_KEYS, type ResourcesConfig, resourcesDefaults } from './keys/resources.js';
import { SCHEDULER_KEYS, type SchedulerConfig, schedulerDefaults } from './keys/scheduler.js';
import { SECURITY_KEYS, type SecurityConfig, securityDefaults } from './keys/security.js';
import { SLURM_KEYS, type SlurmConfig, slurmDefaults } from './keys/slurm.js';
import { VOLUMES_KEYS, type VolumesConfig, volumesDefaults } from './keys/volumes.js';
import { fail, str } from './parsers.js';
import type { Profiles } from './profiles/types.js';

export { CAPABILITIES } from './capabilities.js';
export type { KeyDef } from './key-def.js';
export { RIS_INFINIBAND } from './keys/devices.js';
export { RIS_CAPABILITIES, RIS_SELINUX_LABELS } from './keys/security.js';
export { ConfigValueError } from './parsers.js';

/**
 * The admin's policy and settings, typed: one section per ini section, each defined (type,
 * defaults, keys) in lib/config/keys/<section>.ts. Every key is documented in
 * templates/lsf-docker.conf. A new key is one row in its section's file; a new section is one
 * file plus one line in each of the three lists below.
 */
export interface Config {
  docker: DockerConfig;
  images: ImagesConfig;
  volumes: VolumesConfig;
  mounts: MountsConfig;
  security: SecurityConfig;
  network: NetworkConfig;
  ipc: IpcConfig;
  ports: PortsConfig;
  resources: ResourcesConfig;
  devices: DevicesConfig;
  environment: EnvironmentConfig;
  paths: PathsConfig;
  job: JobConfig;
  log: LogConfig;
  local: LocalConfig;
  build: BuildConfig;
  /** [profile NAME] sections (lib/config/profiles): applied by effectiveConfig, never seen by policy. */
  profiles: Profiles;
  scheduler: SchedulerConfig;
  slurm: SlurmConfig;
}

/** Every key, section by section (the order of templates/lsf-docker.conf). */
export const KEYS: KeyDef[] = [
  ...DOCKER_KEYS,
  ...IMAGES_KEYS,
  ...VOLUMES_KEYS,
  ...MOUNTS_KEYS,
  ...SECURITY_KEYS,
  ...NETWORK_KEYS,
  ...IPC_KEYS,
  ...PORTS_KEYS,
  ...RESOURCES_KEYS,
  ...DEVICES_KEYS,
  ...ENVIRONMENT_KEYS,
  ...PATHS_KEYS,
  ...JOB_KEYS,
  ...LOG_KEYS,
  ...LOCAL_KEYS,
  ...BUILD_KEYS,
  ...SCHEDULER_KEYS,
  ...SLURM_KEYS,
];

/** The built-in defaults: what a host without a config file gets. */
export function defaultConfig(): Config {
  return {
    docker: dockerDefaults(),
    images: imagesDefaults(),
    volumes: volumesDefaults(),
    mounts: mountsDefaults(),
    security: securityDefaults(),
    network: networkDefaults(),
    ipc: ipcDefaults(),
    ports: portsDefaults(),
    resources: resourcesDefaults(),
    devices: devicesDefaults(),
    environment: environmentDefaults(),
    paths: pathsDefaults(),
    job: jobDefaults(),
    log: logDefaults(),
    local: localDefaults(),
    build: buildDefaults(),
    profiles: {},
    scheduler: schedulerDefaults(),
    slurm: slurmDefaults(),
  };
}

/** Sections whose keys are free-form names rather than fixed keys. */
export const ALIAS_SECTION = 'image_aliases';

export function validateAlias(name: string, value: unknown): string {
  // Lower case only: a job names the alias where an image reference goes, and those are lower case.
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
    fail(`alias name "${name}" must be lower-case letters, digits, . _ -`);
  const target = str(value, name);
  const parsed = parseImageRef(target);
  return parsed.ok ? target : fail(`"${target}" ${parsed.reason}`);
}
