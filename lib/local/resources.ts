import { join } from 'node:path';
import { type HeldLock, release, tryLockFile } from './lock.js';

/** What a job needs from the host while it runs. */
export interface Need {
  slots: number;
  ports: number[];
  gpus: number;
}

export interface Allocation {
  locks: HeldLock[];
  slotIds: number[];
  gpuIds: number[];
}

/** Why an allocation failed: which lock names were busy (to tell our own jobs' from others'). */
export interface Shortage {
  busy: string[];
}

/**
 * How many names a resource may take when its first ones are unusable: another user can plant a
 * symlink, a fifo or an unreadable file under any name of the shared locks/ dir. Every contender
 * walks the same names in the same order and uses the first usable one, so a planted file moves
 * the resource to its next name instead of stopping everyone's jobs.
 */
export const LOCK_NAME_TRIES = 8;

/** The names resource BASE (slot.0, port.8001, gpu.0) may have: BASE, then BASE~1 ... BASE~7. Pure. */
export const lockNames = (base: string) =>
  Array.from({ length: LOCK_NAME_TRIES }, (_, n) => (n === 0 ? base : `${base}~${n}`));

type Take = { held: HeldLock } | { busy: string } | { none: true };

/** Takes resource BASE under its first usable name. */
function take(lockDir: string, base: string): Take {
  for (const name of lockNames(base)) {
    const path = join(lockDir, name);
    const r = tryLockFile(path, 0o644);
    if ('held' in r) return r;
    if ('busy' in r) return { busy: path };
  }
  return { none: true };
}

/**
 * Takes NEED from the host, all or nothing: slot locks slot.0..slot.<SLOTS-1>, one lock per port
 * (select[portNNNN=1]) and per GPU, each a flock held by this process and later by the job.
 * Returns the allocation, or the busy lock paths (holding nothing).
 */
export function allocate(
  lockDir: string,
  slots: number,
  need: Need,
  gpuIds: number[],
): Allocation | Shortage {
  const held: HeldLock[] = [];
  const busy: string[] = [];
  const fail = (): Shortage => {
    for (const l of held) release(l);
    return { busy };
  };
  const grab = (base: string): boolean => {
    const r = take(lockDir, base);
    if ('held' in r) held.push(r.held);
    else if ('busy' in r) busy.push(r.busy);
    return 'held' in r;
  };
  const slotIds: number[] = [];
  for (let k = 0; k < slots && slotIds.length < need.slots; k++) if (grab(`slot.${k}`)) slotIds.push(k);
  if (slotIds.length < need.slots) return fail();
  for (const port of need.ports) if (!grab(`port.${port}`)) return fail();
  const gotGpus: number[] = [];
  for (const g of gpuIds) {
    if (gotGpus.length >= need.gpus) break;
    if (grab(`gpu.${g}`)) gotGpus.push(g);
  }
  if (gotGpus.length < need.gpus) return fail();
  return { locks: held, slotIds, gpuIds: gotGpus };
}

export const allocated = (r: Allocation | Shortage): r is Allocation => 'locks' in r;

export function releaseAll(allocation: Allocation | undefined): void {
  for (const l of allocation?.locks ?? []) release(l);
}
