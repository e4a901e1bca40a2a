/**
 * Node built-ins loaded on first use rather than at start-up. A bundled program's imports are
 * all read when it starts; node:child_process costs a few milliseconds to load, and the job's
 * hot path through the Engine API never starts a process.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** node:child_process, loaded at the first call. */
export function childProcess(): typeof import('node:child_process') {
  return load('node:child_process') as typeof import('node:child_process');
}
