import { configError } from '../kernel/errors.js';
import { createDockerRuntime } from './docker/create.js';
import { createDockerApiRuntime } from './docker-api/create.js';
import type { RuntimeOptions } from './options.js';
import { createPodmanRuntime } from './podman/create.js';
import type { ContainerRuntime, RuntimeName } from './types.js';

export type { RuntimeOptions } from './options.js';

/** The engines by name ([docker] engine): a new runtime is one folder beside docker/ and one entry here. */
const ENGINES: Partial<Record<RuntimeName, (opts: RuntimeOptions) => ContainerRuntime>> = {
  // [docker] transport: the Engine API over the socket (lib/runtime/docker-api), or the CLI.
  docker: (opts) =>
    opts.config.docker.transport === 'api' ? createDockerApiRuntime(opts) : createDockerRuntime(opts),
  podman: createPodmanRuntime,
};

/**
 * The one place a runtime is made: its exec door, environment and private config dir are built
 * once, here, for every program (docker_run, docker_exec, docker_build, sweep, doctor, local).
 */
export function createRuntime(opts: RuntimeOptions): ContainerRuntime {
  const engine = opts.engine ?? opts.config.docker.engine;
  const create = ENGINES[engine];
  if (!create) {
    const known = Object.keys(ENGINES).join(', ');
    throw configError('[docker] engine', `"${engine}" is not a runtime this build knows (${known})`);
  }
  return create(opts);
}
