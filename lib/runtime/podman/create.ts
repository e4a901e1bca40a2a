import { userInfo } from 'node:os';
import { CliExec } from '../exec.js';
import type { RuntimeOptions } from '../options.js';
import { podmanCapabilities, podmanHostFacts } from './capabilities.js';
import { privateAuthFile, rootfulEnvironment, rootlessEnvironment } from './environment.js';
import { PodmanRuntime } from './runtime.js';

const noUserFile = (path: string): string => {
  throw new Error(`${path}: no reader for the user's files`);
};

/**
 * podman's environment for this program: rootless (not root) with the user's HOME and runtime
 * dir; rootful (root) with root's HOME and, acting for a user with a private dir, a private copy
 * of the user's podman logins.
 */
export function podmanEnvironment(opts: RuntimeOptions, euid = process.geteuid!()): Record<string, string> {
  if (opts.environment) return opts.environment;
  if (euid !== 0) return rootlessEnvironment(opts.identity?.home ?? userInfo().homedir, euid);
  const auth =
    opts.actingAsRoot && opts.privateDir !== undefined && opts.identity
      ? privateAuthFile(opts.privateDir, opts.identity.home, opts.readUserFile ?? noUserFile)
      : undefined;
  return rootfulEnvironment('/root', auth);
}

/** Podman with its exec door: environment and capabilities read for this process, once. */
export function createPodmanRuntime(opts: RuntimeOptions): PodmanRuntime {
  const exec = new CliExec({
    binary: opts.config.docker.binary,
    env: podmanEnvironment(opts),
    timeout: opts.config.docker.timeout,
    log: opts.log,
  });
  return new PodmanRuntime(exec, {
    capabilities: podmanCapabilities(podmanHostFacts()),
    insecureRegistries: opts.config.images.insecureRegistries,
  });
}
