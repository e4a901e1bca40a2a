import type { ContainerRuntime } from '../runtime/types.js';

/** What docker_build needs of the runtime: its exec door, its reading of what the CLI said, its login and push argv. */
export type BuildRuntime = Pick<ContainerRuntime, 'exec' | 'classify' | 'loginArgv' | 'pushArgv'>;
