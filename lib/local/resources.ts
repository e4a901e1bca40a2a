import { join } from 'node:path';
import { type HeldLock, release, tryLock } from './lock.js';

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

/**
 * Takes NEED from the host, all or nothing: slot locks slot.0..slot.<SLOTS-1>, one lock per port
 * (select[portNNNN=1]) and per GPU, each a flock held by this process and later by the job.
 * Returns undefined (holding nothing) when something is taken.
 */
export function allocate(
  lockDir: string,
  slots: number,
  need: Need,
  gpuIds: number[],
): Allocation | undefined {
  const held: HeldLock[] = [];
  const fail = () => {
    for (const l of held) release(l);
    return undefined;
  };
  const slotIds: number[] = [];
  for (let k = 0; k < slots && slotIds.length < need.slots; k++) {
    const lock = tryLock(join(lockDir, `slot.${k}`), 0o666);
    if (lock) {
      held.push(lock);
      slotIds.push(k);
    }
  }
  if (slotIds.length < need.slots) return fail();
  for (const port of need.ports) {
    const lock = tryLock(join(lockDir, `port.${port}`), 0o666);
    if (!lock) return fail();
    held.push(lock);
  }
  const gotGpus: number[] = [];
  for (const g of gpuIds) {
    if (gotGpus.length >= need.gpus) break;
    const lock = tryLock(join(lockDir, `gpu.${g}`), 0o666);
    if (lock) {
      held.push(lock);
      gotGpus.push(g);
    }
  }
  if (gotGpus.length < need.gpus) return fail();
  return { locks: held, slotIds, gpuIds: gotGpus };
}

export function releaseAll(allocation: Allocation | undefined): void {
  for (const l of allocation?.locks ?? []) release(l);
}
