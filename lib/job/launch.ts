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

/** The one place the job layer reads the spec (the rest is the runtime's argv). */
export function launchFacts(spec: RunInput): LaunchFacts {
  return {
    name: spec.name,
    image: spec.image.ref,
    interactive: spec.process.interactive,
    tty: spec.process.tty,
    memory: spec.resources.memory,
  };
}
