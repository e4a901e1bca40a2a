import type { JobFiles } from '../../../host/private-dir.js';
import type { ContainerSpec } from '../../container-spec.js';
import { containerArgs } from './container.js';
import { devicesArgs } from './devices.js';
import { identityArgs } from './identity.js';
import { networkArgs } from './network.js';
import { commandArgs, processArgs } from './process.js';
import { resourcesArgs } from './resources.js';
import type { ArgvSection } from './section.js';
import { securityArgs } from './security.js';
import { storageArgs } from './storage.js';

/** The sections of a `run` argv, in order. A runtime close to docker (podman) replaces single ones. */
export interface RunArgvSections {
  container: ArgvSection;
  identity: ArgvSection;
  storage: ArgvSection;
  security: ArgvSection;
  process: ArgvSection;
  network: ArgvSection;
  resources: ArgvSection;
  devices: ArgvSection;
  command: ArgvSection;
}

export const DOCKER_RUN_SECTIONS: Readonly<RunArgvSections> = {
  container: containerArgs,
  identity: identityArgs,
  storage: storageArgs,
  security: securityArgs,
  process: processArgs,
  network: networkArgs,
  resources: resourcesArgs,
  devices: devicesArgs,
  command: commandArgs,
};

/** SPEC -> a `run` argv (without the binary) made of SECTIONS. Pure: every value is its own element, nothing passes through a shell. */
export function runArgvOf(
  sections: Readonly<RunArgvSections>,
  spec: ContainerSpec,
  files: JobFiles,
): string[] {
  const order: Array<keyof RunArgvSections> = [
    'container',
    'identity',
    'storage',
    'security',
    'process',
    'network',
    'resources',
    'devices',
    'command',
  ];
  return order.flatMap((name) => sections[name](spec, files));
}

/** The argv of `docker run` for SPEC with the job's private FILES (without the docker binary). */
export function dockerRunArgv(spec: ContainerSpec, files: JobFiles): string[] {
  return runArgvOf(DOCKER_RUN_SECTIONS, spec, files);
}

/** The argv of `docker pull` for IMAGE (without the docker binary). */
export function dockerPullArgv(image: string): string[] {
  return ['pull', '--', image];
}
