import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { hostGpuIndexes } from '../host/gpus.js';
import { Status } from '../kernel/exit-codes.js';
import { signalStatus } from '../kernel/signals.js';
import { TERMINATE_SEQUENCE } from '../scheduler/lsf/terminate.js';
import { sleep } from './context.js';
import { killRequested } from './kill-requests.js';
import { release, tryLock } from './lock.js';
import { type JobRecord, jobPaths, readRecord, updateRecord } from './record.js';
import { type Allocation, allocate, releaseAll } from './resources.js';
import { runAllocated } from './run-allocated.js';
import type { RunContext } from './run-context.js';
import { hostClosedFor } from './state.js';

export type { RunContext } from './run-context.js';

const POLL_MS = 200;
/** The status of an element killed while pending: as if the terminate sequence's first signal ended it. */
const KILLED_PENDING = signalStatus(TERMINATE_SEQUENCE[0]);

function loadConfigOr(previous: Config, path: string | undefined): Config {
  try {
    return loadConfig(path, { euid: process.geteuid!() }).config;
  } catch {
    return previous;
  }
}

/** What the element waits for: the end of its wait (allocated, or no longer pending), or why it still waits. */
type Wait =
  | { done: true; allocation: Allocation; record: JobRecord; config: Config }
  | { done: true; status: number | undefined }
  | { done: false; reason: string; record: JobRecord; config: Config };

/** One look at a pending element, as mbatchd's dispatch turn: killed, not pending, allocated, or why not. */
function dispatchTurn(ctx: RunContext, paths: ReturnType<typeof jobPaths>, config0: Config): Wait {
  const record = readRecord(paths.record);
  if (record?.status !== 'PEND') return { done: true, status: record?.exitCode };
  if (killRequested(paths.kill)) {
    updateRecord(ctx.dirs, record.id, record.index, {
      status: 'EXIT',
      endTime: Date.now(),
      exitReason: 'TERM_OWNER: job killed by owner while pending',
    });
    rmSync(paths.kill, { force: true });
    return { done: true, status: KILLED_PENDING };
  }
  const config = loadConfigOr(config0, record.config);
  if (hostClosedFor(ctx.dirs, process.geteuid!()))
    return { done: false, record, config, reason: 'The host is closed by the administrator (badmin hclose)' };
  if (ctx.mayDispatch && !ctx.mayDispatch())
    return { done: false, record, config, reason: 'An older job of yours is waiting for the same host' };
  const allocation = allocate(
    join(ctx.dirs.host, 'locks'),
    config.local.slots,
    { slots: record.slots, ports: record.ports, gpus: record.gpus },
    hostGpuIndexes(config.devices.gpuDevDir),
  );
  if (allocation) return { done: true, allocation, record, config };
  return {
    done: false,
    record,
    config,
    reason: 'Job slot limit reached, or a requested port or GPU is in use',
  };
}

/**
 * Dispatches one job element and runs it to its end, like mbatchd + sbatchd: waits while the
 * host is closed or short of slots, ports or GPUs; then runs it (run-allocated.ts). The
 * element's lock (held here and inherited by the job) guarantees one runner per element.
 * Returns the job's exit status, or undefined when another runner has it.
 */
export async function runElement(
  record0: JobRecord,
  initialConfig: Config,
  ctx: RunContext,
): Promise<number | undefined> {
  const paths = jobPaths(ctx.dirs, record0.id, record0.index);
  const elementLock = tryLock(paths.lock, 0o600);
  if (!elementLock) {
    ctx.leftQueue?.();
    return undefined;
  }
  let config = initialConfig;
  let allocation: Allocation | undefined;
  let waitingShown = false;
  let left = false;
  const leave = () => {
    if (!left) ctx.leftQueue?.();
    left = true;
  };
  try {
    let turn = dispatchTurn(ctx, paths, config);
    while (!turn.done) {
      config = turn.config;
      const { record, reason } = turn;
      if (record.pendReason !== reason || record.supervisorPid !== process.pid)
        updateRecord(ctx.dirs, record.id, record.index, { pendReason: reason, supervisorPid: process.pid });
      if (!waitingShown) ctx.onWaiting?.();
      waitingShown = true;
      await sleep(POLL_MS);
      turn = dispatchTurn(ctx, paths, config);
    }
    if (!('allocation' in turn)) return turn.status;
    allocation = turn.allocation;
    if (!waitingShown) ctx.onWaiting?.();
    leave();
    return await runRecorded(turn.record, turn.config, ctx, elementLock, allocation);
  } finally {
    leave();
    releaseAll(allocation);
    release(elementLock);
  }
}

/** Whatever goes wrong, the element ends recorded (bsub -K and bjobs must not wait forever). */
async function runRecorded(
  record: JobRecord,
  config: Config,
  ctx: RunContext,
  elementLock: Parameters<typeof runAllocated>[3],
  allocation: Allocation,
): Promise<number> {
  try {
    return await runAllocated(record, config, ctx, elementLock, allocation);
  } catch (err) {
    const exitReason = `internal error of the supervisor: ${(err as Error).message}`;
    process.stderr.write(`lsf-docker: job ${record.id}: ${exitReason}\n`);
    updateRecord(ctx.dirs, record.id, record.index, {
      status: 'EXIT',
      endTime: Date.now(),
      exitCode: Status.NOT_FOUND,
      exitReason,
    });
    return Status.NOT_FOUND;
  }
}
