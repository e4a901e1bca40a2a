/**
 * TRANSITIONAL (issue 9): the few fields lib/job/run-job.ts and lib/programs/docker_run.ts still
 * read from the old RunPlan, derived from the ContainerSpec. Deleted once they read the spec.
 */
import type { ContainerSpec } from './container-spec.js';

export { CONTAINER_DIR, CONTAINER_SCRIPT } from './container-spec.js';

export interface RunPlan {
  spec: ContainerSpec;
  image: string;
  name: string;
  labels: Array<[string, string]>;
  interactive: boolean;
  tty: boolean;
  memory?: number;
  passwd: string;
  group: string;
  script?: string;
  decisions: string[];
}

/** The transitional plan of SPEC with its rendered FILES. */
export function planOf(
  spec: ContainerSpec,
  files: { passwd: string; group: string; script?: string },
): RunPlan {
  return {
    spec,
    image: spec.image.ref,
    name: spec.name,
    labels: spec.labels,
    interactive: spec.process.interactive,
    tty: spec.process.tty,
    memory: spec.resources.memory,
    passwd: files.passwd,
    group: files.group,
    script: files.script,
    decisions: spec.decisions,
  };
}
