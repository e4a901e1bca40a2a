import { CliExec } from '../exec.js';
import type { RuntimeOptions } from '../options.js';
import { checkEmptyConfigDir, privateDockerConfig } from './config-dir.js';
import { cliEnvironment } from './environment.js';
import { DockerRuntime } from './runtime.js';

/**
 * The docker CLI's environment. As the user: their HOME and ~/.docker. As root acting for a user
 * (sudo, euid 0 with an identity): nothing of the user's may steer root's CLI (contexts naming a
 * socket, plugin dirs and hooks, credential helpers, proxies), so HOME and DOCKER_CONFIG are the
 * job's private dir with a copy of the user's registry credentials only, or an empty config when
 * the CLI needs none (exec, sweep). As root for itself: root's own. The admin's DOCKER_HOST.
 * The private copy is made at the first CLI process (a function): a job the Engine API runs
 * whole never reads the user's config.
 */
export function dockerEnvironment(
  opts: RuntimeOptions,
): Record<string, string> | (() => Record<string, string>) {
  if (opts.environment) return opts.environment;
  const host = opts.config.docker.host;
  const euid = opts.euid ?? process.geteuid!();
  if (euid === 0 && opts.identity !== undefined) {
    const { privateDir, readUserFile } = opts;
    if (privateDir !== undefined && readUserFile !== undefined) {
      // The credentials are copied (read as the user) when the first CLI process needs them.
      const home = opts.identity.home;
      return () => cliEnvironment(privateDir, host, privateDockerConfig(privateDir, home, readUserFile));
    }
    const empty = checkEmptyConfigDir();
    return cliEnvironment(opts.privateDir ?? empty, host, empty);
  }
  const home = opts.identity?.home ?? '/root';
  return cliEnvironment(home, host, `${home}/.docker`);
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
