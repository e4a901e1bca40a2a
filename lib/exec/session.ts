import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The processes docker_exec started in a container are found again by a mark: a random token in
 * their environment (LSF_DOCKER_EXEC_SESSION), inherited by their children. `docker top` lists
 * the container's processes by host pid; those whose /proc/PID/environ carries the token are the
 * session's (same uid: readable and signalable by the caller; with a remote daemon none match).
 */
export const SESSION_VARIABLE = 'LSF_DOCKER_EXEC_SESSION';

export const newSessionToken = () => randomBytes(16).toString('hex');

/** Whether an environ block (NUL-separated NAME=value) carries TOKEN as the session variable. Pure. */
export function environHasToken(environ: string, token: string): boolean {
  return environ.split('\0').includes(`${SESSION_VARIABLE}=${token}`);
}

export function readEnviron(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
}

/** Of PIDS, those whose environment carries TOKEN. */
export function sessionPids(
  pids: number[],
  token: string,
  environOf: (pid: number) => string | undefined = readEnviron,
): number[] {
  return pids.filter((pid) => {
    const environ = environOf(pid);
    return environ !== undefined && environHasToken(environ, token);
  });
}
