import type { RunInput } from '../runtime/types.js';

/** What starting and watching a job's container needs to know of its spec (the rest is the runtime's argv). */
export interface LaunchFacts {
  /** The container's unique name (the control's target before the cidfile exists). */
  name: string;
  image: string;
  interactive: boolean;
  tty: boolean;
  /** Bytes, for the out-of-memory message. */
  memory?: number;
}

/** The one place the job layer reads the run input (RunPlan today, ContainerSpec after A1's switch). */
export function launchFacts(input: RunInput): LaunchFacts {
  return {
    name: input.name,
    image: input.image,
    interactive: input.interactive,
    tty: input.tty,
    memory: input.memory,
  };
}
