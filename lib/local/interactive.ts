import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { hostGpuIndexes } from '../host/gpus.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { binDir, err, type Local, sleep } from './context.js';
import { KILLED_PENDING_STATUS, takeControl } from './controls.js';
import { closedBy } from './drain.js';
import { TERM } from './job-finish.js';
import { ElementRun } from './job-run.js';
import { type HeldLock, release } from './lock.js';
import { type JobRecord, jobPaths, readRecord, updateRecord } from './record.js';
import { type Allocation, allocate, allocated, releaseAll } from './resources.js';

const POLL_MS = 200;

function configOf(local: Local, record: JobRecord): Config {
  try {
    return loadConfig(record.config, { euid: process.geteuid!() }).config;
  } catch {
    return local.config;
  }
}

/** Waits (as bsub -I does) until the host can take the element; undefined when it was killed meanwhile. */
async function waitForHost(
  local: Local,
  record: JobRecord,
): Promise<{ allocation: Allocation; config: Config } | undefined> {
  const paths = jobPaths(local.dirs, record.id, record.index);
  let shown = false;
  for (;;) {
    const control = takeControl(paths.kill);
    if (control && control !== 'STOP' && control !== 'CONT' && control !== 'REQUEUE') return undefined;
    const config = configOf(local, record);
    if (!closedBy(local.dirs, local.uid)) {
      const got = allocate(
        join(local.dirs.host, 'locks'),
        config.local.slots,
        {
          slots: record.exclusive ? config.local.slots : record.slots,
          ports: record.ports,
          gpus: record.gpus,
        },
        hostGpuIndexes(config.devices.gpuDevDir),
      );
      if (allocated(got)) {
        if (!shown) err('<<Waiting for dispatch ...>>\n');
        return { allocation: got, config };
      }
    }
    if (!shown) err('<<Waiting for dispatch ...>>\n');
    shown = true;
    await sleep(POLL_MS);
  }
}

const TERMINAL_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const;
const noop = () => undefined;

/**
 * bsub -I*: the element runs here, on the terminal, once the host can take it. LOCK (the
 * element's, taken before its record was written) proves to everyone that this bsub runs it. The
 * job shares our terminal, so its signals are its own; bkill reaches it through the request file.
 */
export async function runInteractive(local: Local, record: JobRecord, lock: HeldLock): Promise<number> {
  const paths = jobPaths(local.dirs, record.id, record.index);
  let allocation: Allocation | undefined;
  try {
    const host = await waitForHost(local, record);
    if (!host) {
      updateRecord(local.dirs, record.id, record.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitCode: KILLED_PENDING_STATUS,
        exitReason: TERM.owner,
      });
      return KILLED_PENDING_STATUS;
    }
    allocation = host.allocation;
    const current = readRecord(paths.record) ?? record;
    const ctx = { dirs: local.dirs, binDir: binDir(), interactive: true };
    const run = new ElementRun(current, host.config, ctx, [lock, ...allocation.locks], allocation);
    err(`<<Starting on ${run.record.execHost ?? 'localhost'}>>\n`);
    const watch = setInterval(() => {
      const control = takeControl(paths.kill);
      if (control) run.control(control);
    }, POLL_MS);
    for (const s of TERMINAL_SIGNALS) process.on(s, noop);
    try {
      const outcome = await run.done;
      const ended = 'finished' in outcome ? outcome.finished : outcome.requeued;
      if (ended.failure) err(`lsf-docker: job ${ended.id}: ${ended.failure}\n`);
      return ended.exitCode ?? ExitCode.INTERNAL;
    } finally {
      clearInterval(watch);
      for (const s of TERMINAL_SIGNALS) process.off(s, noop);
    }
  } finally {
    releaseAll(allocation);
    release(lock);
  }
}
