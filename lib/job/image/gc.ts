import { statfsSync } from 'node:fs';
import type { ImagesConfig } from '../../config/keys/images.js';
import type { Logger } from '../../kernel/log/logger.js';
import type { ContainerRuntime, ImageInfo } from '../../runtime/types.js';
import { type GcFacts, type GcLimits, type GcPlan, planGc } from './gc-plan.js';
import { imageRefs } from './keep.js';
import { forgetUses, readUses } from './last-use.js';
import { fileLocks } from './pull-lock.js';
import { hostStateDir } from './state-dir.js';

export interface GcOptions {
  dryRun: boolean;
  euid: number;
  log: Logger;
  now?: number;
}

export interface GcReport {
  plan: GcPlan;
  /** What was removed (dry run: what would be). */
  removed: Array<{ image: ImageInfo; freed: number }>;
  problems: string[];
  /** Another GC holds the host's GC lock: this one did nothing. */
  busy?: boolean;
}

export const limitsOf = (c: ImagesConfig): GcLimits => ({
  maxBytes: c.gcMaxBytes,
  targetBytes: c.gcTargetBytes,
  highPercent: c.gcHighPercent,
  lowPercent: c.gcLowPercent,
  minAge: c.gcMinAge,
  keep: c.keep,
});

/** The filesystem holding DIR: its size and what is used, in bytes. */
function diskOf(dir: string | undefined): GcFacts['disk'] {
  if (!dir) return undefined;
  try {
    const s = statfsSync(dir);
    return { total: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize };
  } catch {
    return undefined;
  }
}

/** What the GC plans from: the store's images, those containers use, the last-use records, the disk. */
export async function gatherFacts(
  runtime: ContainerRuntime,
  config: ImagesConfig,
  stateDir: string | undefined,
  now: number,
): Promise<GcFacts> {
  const store = runtime.imageStore;
  const [images, inUse] = await Promise.all([store.list(), store.inUse()]);
  const disk = config.gcHighPercent !== undefined ? diskOf(await store.storeDir()) : undefined;
  return { images, inUse, lastUse: readUses(stateDir), now, disk };
}

/**
 * Removes one image by each of its references (never forced: the runtime refuses while a
 * container uses it), or by id when it has none; the reason when it is still there.
 */
export async function removeImage(runtime: ContainerRuntime, image: ImageInfo): Promise<string | undefined> {
  const refs = [...image.repoTags, ...image.repoDigests];
  for (const ref of refs.length > 0 ? refs : [image.id]) {
    const result = await runtime.imageStore.remove(ref);
    if (!result.ok && !result.absent) return `${image.id.slice(7, 19)} ${ref}: ${result.message}`;
  }
  return (await runtime.imageStore.inspect(image.id)) ? `${image.id.slice(7, 19)} is still there` : undefined;
}

/**
 * One GC of this host's images ([images] gc_*): plan (lib/job/image/gc-plan.ts), then remove in
 * order, skipping nothing but what the runtime refuses. One GC at a time per host (a lock in the
 * state dir); the last-use records of what went are dropped.
 */
export async function collectGarbage(
  runtime: ContainerRuntime,
  config: ImagesConfig,
  opts: GcOptions,
): Promise<GcReport> {
  const { dir } = hostStateDir(config.stateDir, opts.euid, !opts.dryRun);
  const lock = dir
    ? await fileLocks(dir, () => 'lsf-docker-gc').acquire('gc', {
        waitSeconds: 0,
        signal: new AbortController().signal,
        onWait: () => {},
      })
    : undefined;
  if (lock && lock.kind !== 'held') {
    const empty = planGc({ images: [], inUse: new Set(), lastUse: new Map(), now: 0 }, limitsOf(config));
    return { plan: empty, removed: [], problems: [], busy: true };
  }
  try {
    const facts = await gatherFacts(runtime, config, dir, opts.now ?? Date.now());
    const plan = planGc(facts, limitsOf(config));
    const report: GcReport = { plan, removed: [], problems: [] };
    for (const step of plan.remove) {
      const problem = opts.dryRun ? undefined : await removeImage(runtime, step.image);
      if (problem) {
        report.problems.push(problem);
        continue;
      }
      report.removed.push({ image: step.image, freed: step.freed });
      if (!opts.dryRun) for (const ref of imageRefs(step.image)) forgetUses(dir, ref);
    }
    return report;
  } finally {
    if (lock?.kind === 'held') lock.release();
  }
}

/** [images] gc_after_job: a GC when the store is over its marks. Best effort: never changes the job's status. */
export async function collectAfterJob(
  runtime: ContainerRuntime,
  config: ImagesConfig,
  log: Logger,
): Promise<void> {
  if (!config.gcAfterJob) return;
  try {
    const report = await collectGarbage(runtime, config, { dryRun: false, euid: process.geteuid!(), log });
    for (const r of report.removed)
      log.info(`image GC: removed ${r.image.id.slice(7, 19)} (${r.freed} bytes)`);
    for (const p of report.problems) log.warning(`image GC: ${p}`);
  } catch (err) {
    log.warning(`image GC: ${(err as Error).message}`);
  }
}
