import { readFileSync } from 'node:fs';

/**
 * Whether the wrapper with PID on this host is still alive. A pid that now belongs to some
 * other program (recycled) counts as dead: its cmdline must still name one of our programs.
 */
export function wrapperAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /docker_run|lsf-docker|lsf_docker/.test(cmdline);
  } catch {
    return true; // cannot tell (hidepid): never touch what might be alive
  }
}
