import type { ImageInfo } from '../../runtime/types.js';
import { imageRefs, keptBy } from './keep.js';
import { type Chains, storeBytes } from './store-bytes.js';

/** What the GC knows about the host when it plans. */
export interface GcFacts {
  images: ImageInfo[];
  /** Ids of the images a container (running or stopped) uses. */
  inUse: ReadonlySet<string>;
  /** Last job start per canonical reference (last-use records). */
  lastUse: ReadonlyMap<string, number>;
  now: number;
  /** The filesystem of the image store, for the percent watermarks. */
  disk?: { total: number; used: number };
}

export interface GcLimits {
  maxBytes?: number;
  targetBytes?: number;
  highPercent?: number;
  lowPercent?: number;
  /** Seconds. */
  minAge: number;
  keep: readonly string[];
}

/** One image as the GC judges it. */
export interface GcImage {
  image: ImageInfo;
  /** The last job start recorded here, else when it arrived (pull, tag), else when it was built. */
  lastUse: number;
  since: 'job' | 'pull' | 'build';
  /** Why it stays whatever happens: in use, kept (the keep[] entry), young; undefined: a candidate. */
  protectedBy?: string;
}

export interface GcPlan {
  storeBytes: number;
  /** Why collecting starts (over which mark), or undefined when the store is under its marks. */
  over?: string;
  /** The store's size to reach. */
  goalBytes?: number;
  /** In the order to remove, with the bytes each frees. */
  remove: Array<GcImage & { freed: number }>;
  afterBytes: number;
  /** Every image, least recently used first. */
  judged: GcImage[];
}

/** An image's last use and what protects it. Pure. */
export function judge(image: ImageInfo, facts: GcFacts, limits: GcLimits): GcImage {
  const recorded = Math.max(0, ...imageRefs(image).map((r) => facts.lastUse.get(r) ?? 0));
  const arrived = image.lastTagTime ?? 0;
  const [lastUse, since] =
    recorded > 0 && recorded >= arrived
      ? [recorded, 'job' as const]
      : arrived > 0
        ? [arrived, 'pull' as const]
        : [image.created, 'build' as const];
  const kept = keptBy(limits.keep, image);
  const idle = (facts.now - Math.max(lastUse, arrived)) / 1000;
  const protectedBy = facts.inUse.has(image.id)
    ? 'in use by a container'
    : kept
      ? `kept (keep[] = ${kept})`
      : idle < limits.minAge
        ? `younger than gc_min_age (${Math.max(0, Math.floor(idle))}s unused)`
        : undefined;
  return { image, lastUse, since, protectedBy };
}

/** Over which mark the store is, and the size to collect down to; undefined when under every mark. Pure. */
export function goal(
  bytes: number,
  facts: GcFacts,
  limits: GcLimits,
): { over: string; goal: number } | undefined {
  const goals: Array<{ over: string; goal: number }> = [];
  if (limits.maxBytes !== undefined && bytes > limits.maxBytes) {
    const target = Math.min(limits.targetBytes ?? Math.floor(limits.maxBytes * 0.8), limits.maxBytes);
    goals.push({ over: `gc_max_bytes ${limits.maxBytes}`, goal: target });
  }
  const disk = facts.disk;
  if (
    limits.highPercent !== undefined &&
    disk &&
    disk.total > 0 &&
    (disk.used / disk.total) * 100 > limits.highPercent
  ) {
    const low = limits.lowPercent ?? Math.max(1, limits.highPercent - 5);
    const excess = disk.used - (low / 100) * disk.total;
    goals.push({
      over: `gc_high_percent ${limits.highPercent}%`,
      goal: Math.max(0, Math.floor(bytes - excess)),
    });
  }
  if (goals.length === 0) return undefined;
  return goals.reduce((a, b) => (b.goal < a.goal ? b : a));
}

/**
 * The GC's plan, kubelet's way: least recently used first, never an image a container uses, one
 * keep[] keeps or one unused for less than gc_min_age; removing until the store is at its goal.
 * An image another remaining image is built on frees nothing yet: the derived one goes first. Pure.
 */
export function planGc(facts: GcFacts, limits: GcLimits): GcPlan {
  const judged = facts.images.map((i) => judge(i, facts, limits)).sort((a, b) => a.lastUse - b.lastUse);
  const chains: Chains = new Map();
  const total = storeBytes(facts.images, chains);
  const target = goal(total, facts, limits);
  const plan: GcPlan = { storeBytes: total, remove: [], afterBytes: total, judged };
  if (!target) return plan;
  let left = [...facts.images];
  let bytes = total;
  const candidates = judged.filter((j) => j.protectedBy === undefined);
  while (bytes > target.goal) {
    let next: (GcImage & { freed: number }) | undefined;
    for (const c of candidates) {
      if (plan.remove.some((r) => r.image.id === c.image.id)) continue;
      const without = left.filter((i) => i.id !== c.image.id);
      const freed = bytes - storeBytes(without, chains);
      if (freed > 0) {
        next = { ...c, freed };
        break;
      }
    }
    if (!next) break;
    plan.remove.push(next);
    left = left.filter((i) => i.id !== next.image.id);
    bytes -= next.freed;
  }
  return { ...plan, over: target.over, goalBytes: target.goal, afterBytes: bytes };
}
