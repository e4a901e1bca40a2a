/**
 * Transition shim (issue 9): the exec door moved to lib/runtime/exec.ts (CliExec) and the CLI's
 * environment to ./environment.ts. Code not yet switched to createRuntime (lib/runtime/create.ts)
 * imports these names; the shim goes once nothing does.
 */
export { CliExec as DockerCli, type CliExecOptions as DockerCliOptions } from '../exec.js';
export type { CallResult as CliResult, Spawned as SpawnedCli, SpawnResult } from '../types.js';
export { cliEnvironment } from './environment.js';
