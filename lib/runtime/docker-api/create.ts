import { createDockerRuntime } from '../docker/create.js';
import type { RuntimeOptions } from '../options.js';
import type { ContainerRuntime } from '../types.js';
import { EngineClient } from './client.js';
import { DockerApiRuntime } from './runtime.js';

/** The daemon's default socket, as the CLI's default DOCKER_HOST. */
export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The socket path of [docker] host: the default when unset, undefined for a tcp:// or ssh:// daemon. Pure. */
export function socketPathOf(host: string | undefined): string | undefined {
  if (host === undefined) return DEFAULT_SOCKET;
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/**
 * Docker with `[docker] transport = api`: the Engine API over the daemon's unix socket beside
 * the CLI's exec door (kept for pulls, exec, build and terminals). A daemon behind tcp:// or
 * ssh:// ([docker] host) is the CLI's to reach (TLS, ssh): the CLI transport then serves.
 */
export function createDockerApiRuntime(opts: RuntimeOptions): ContainerRuntime {
  const cli = createDockerRuntime(opts);
  const socketPath = socketPathOf(opts.config.docker.host);
  if (socketPath === undefined) {
    opts.log.debug(
      `[docker] host ${opts.config.docker.host} is not a unix socket: the docker CLI runs the job`,
    );
    return cli;
  }
  const client = new EngineClient({ socketPath, timeout: opts.config.docker.timeout, log: opts.log });
  return new DockerApiRuntime(cli.exec, client, opts.log);
}
