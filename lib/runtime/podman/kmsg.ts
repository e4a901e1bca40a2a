import { closeSync, constants, openSync, readSync } from 'node:fs';

/**
 * The kernel's log as podman's OOM evidence: podman 4.3 never reports OOMKilled and keeps no
 * `oom` event, and the container's memory cgroup is removed when it exits. The kernel's record
 * stays: `oom-kill:constraint=CONSTRAINT_MEMCG,...,task_memcg=/libpod_parent/libpod-<ID>,...`.
 */

/** Whether one of RECORDS is the OOM killer ending a process in container ID's cgroup. Pure. */
export function oomKillOf(records: readonly string[], id: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(id)) return false;
  return records.some((r) => /(^|;)oom-kill:/.test(r) && r.includes(`libpod-${id}`));
}

/** At most this many records are read (the ring buffer holds a few thousand). */
const MAX_RECORDS = 100_000;

/**
 * Every record in the kernel's ring buffer now (root only; [] when it cannot be read). Each read
 * of /dev/kmsg returns one record; EAGAIN ends the buffer, EPIPE means a record was overwritten
 * while reading (skip it).
 */
export function readKmsg(path = '/dev/kmsg'): string[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  const records: string[] = [];
  const buffer = Buffer.alloc(8192);
  try {
    while (records.length < MAX_RECORDS) {
      try {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        records.push(buffer.toString('utf8', 0, n));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') continue;
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return records;
}
