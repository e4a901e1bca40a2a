import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { terminate } from '../scheduler/lsf/terminate.js';

/** What a kill request file says when no signal was given: LSF's terminate sequence. */
export const TERMINATE_REQUEST = 'TERMINATE';
const POLL_MS = 200;

/** The kill request bkill left in PATH (a signal name or TERMINATE_REQUEST), if any. */
export function killRequested(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || TERMINATE_REQUEST;
  } catch {
    return undefined;
  }
}

/**
 * bkill's work, done where the job's process group is known: a request file names
 * TERMINATE_REQUEST (LSF's terminate sequence to the whole group) or one signal.
 */
export function watchKillRequests(
  child: ChildProcess,
  file: string,
  intervalSeconds: number,
  group: boolean,
) {
  let killed = false;
  let sequenceStarted = false;
  let done = false;
  const send = (signal: string) => {
    if (!child.pid || done) return;
    try {
      process.kill(group ? -child.pid : child.pid, signal as NodeJS.Signals);
    } catch {
      // already gone
    }
  };
  const timer = setInterval(() => {
    const request = killRequested(file);
    if (!request) return;
    rmSync(file, { force: true });
    if (request === TERMINATE_REQUEST) {
      killed = true;
      if (sequenceStarted) return;
      sequenceStarted = true;
      void terminate(send, intervalSeconds, () => done);
    } else if (/^SIG[A-Z0-9]+$/.test(request)) {
      if (request === 'SIGKILL') killed = true;
      send(request);
    }
  }, POLL_MS);
  return {
    stop: () => {
      done = true;
      clearInterval(timer);
    },
    killed: () => killed,
  };
}
