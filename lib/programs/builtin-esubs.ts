import { type EsubResolver, type InProcessEsub, isOwnLauncher } from '../kernel/in-process-esub.js';

/** The esub mains of this installation by application name, loaded when first run. */
const MAINS: Record<string, () => Promise<InProcessEsub>> = {
  docker: async () => (await import('./esub_docker.js')).esubDockerMain,
  docker_build: async () => (await import('./esub_docker_build.js')).esubDockerBuildMain,
  docker_exec: async () => (await import('./esub_docker_exec.js')).esubDockerExecMain,
};

/**
 * bsub's esubs in its own process when the installed esub.APP is this installation's launcher
 * (kernel/in-process-esub.ts); any other esub (the plain `esub`, an admin's own) as a process.
 */
export const builtinEsubs: EsubResolver = (program, app) => {
  const main = Object.hasOwn(MAINS, app) ? MAINS[app] : undefined;
  if (main === undefined || !isOwnLauncher(program, `esub.${app}`)) return undefined;
  return async (argv, env, stderr) => (await main())(argv, env, stderr);
};
