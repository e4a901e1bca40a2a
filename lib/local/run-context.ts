import type { StateDirs } from './state.js';

/** How one element is run: where the state is, what starts it, and the caller's hooks. */
export interface RunContext {
  dirs: StateDirs;
  /** The directory of the running lsf-docker's bin/ (the sibling job starters). */
  binDir: string;
  /** Batch: stdout/stderr to spool files, own session. Interactive: the terminal, our process group. */
  interactive: boolean;
  onWaiting?: () => void;
  onStart?: (host: string) => void;
  /** FIFO: false while an older job or element waits (default: always true). */
  mayDispatch?: () => boolean;
  /** Called once when the element stops waiting (dispatched, killed, or not pending). */
  leftQueue?: () => void;
}
