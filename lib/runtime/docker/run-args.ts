/** TRANSITIONAL (issue 9): the old entry points, kept until lib/job/run-job.ts and pull.ts call argv/run.ts. */
import type { JobFiles } from '../../host/private-dir.js';
import type { RunPlan } from '../spec.js';
import { dockerPullArgv, dockerRunArgv } from './argv/run.js';

export { mountArg } from './argv/storage.js';
export type { JobFiles };

export function buildRunArgs(plan: RunPlan, files: JobFiles): string[] {
  return dockerRunArgv(plan.spec, files);
}

export const buildPullArgs = dockerPullArgv;
