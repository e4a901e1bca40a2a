import type { ContainerRuntime } from '../runtime/types.js';

/** What docker_build needs of the runtime: its exec door and its reading of what the CLI said. */
export type BuildRuntime = Pick<ContainerRuntime, 'exec' | 'classify'>;
