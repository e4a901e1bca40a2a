import { CliExec } from '../exec.js';
import type { RuntimeOptions } from '../options.js';
import { dockerConfigFor } from './config-dir.js';
import { cliEnvironment } from './environment.js';
import { DockerRuntime } from './runtime.js';

const noUserFile = (path: string): string => {
  throw new Error(`${path}: no reader for the user's files`);
};

/** The docker CLI's environment: the user's HOME, DOCKER_CONFIG (a private copy as root for a user), DOCKER_HOST. */
export function dockerEnvironment(opts: RuntimeOptions): Record<string, string> {
  if (opts.environment) return opts.environment;
  const home = opts.identity?.home ?? '/root';
  const dockerConfig =
    opts.actingAsRoot && opts.privateDir !== undefined
      ? dockerConfigFor(home, true, opts.privateDir, opts.readUserFile ?? noUserFile)
      : `${home}/.docker`;
  return cliEnvironment(home, opts.config.docker.host, dockerConfig);
}

/** Docker with its exec door: environment and config dir built once, here. */
export function createDockerRuntime(opts: RuntimeOptions): DockerRuntime {
  const exec = new CliExec({
    binary: opts.config.docker.binary,
    env: dockerEnvironment(opts),
    timeout: opts.config.docker.timeout,
    log: opts.log,
  });
  return new DockerRuntime(exec);
}
