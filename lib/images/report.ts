import type { GcReport } from '../job/image/gc.js';
import type { GcImage, GcPlan } from '../job/image/gc-plan.js';
import { humanBytes } from '../kernel/bytes.js';
import type { ImageInfo } from '../runtime/types.js';

/** "2026-12-01 09:58:14" in local time. */
export function when(ms: number): string {
  if (ms <= 0) return 'never';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const shortId = (image: ImageInfo) => image.id.slice(7, 19);
const names = (image: ImageInfo) => [...image.repoTags, ...image.repoDigests].join(' ') || '<none>';
const used = (j: GcImage) =>
  `${j.since === 'job' ? 'last job' : j.since === 'pull' ? 'pulled' : 'built'} ${when(j.lastUse)}`;

/** The lines of a GC (or its dry run). Pure. */
export function gcLines(report: GcReport, dryRun: boolean): string[] {
  const { plan } = report;
  if (report.busy) return ['another image GC is running on this host: nothing done'];
  const verb = dryRun ? 'would remove' : 'removed';
  const lines = report.removed.map(
    (r) =>
      `${verb} ${shortId(r.image)} ${names(r.image)} (frees ${humanBytes(r.freed)}, ${used(judged(plan, r.image))})`,
  );
  lines.push(summary(report, dryRun));
  return lines;
}

function judged(plan: GcPlan, image: ImageInfo): GcImage {
  return plan.judged.find((j) => j.image.id === image.id) ?? { image, lastUse: 0, since: 'build' };
}

function summary(report: GcReport, dryRun: boolean): string {
  const { plan } = report;
  const store = humanBytes(plan.storeBytes);
  if (!plan.over)
    return `images take ${store}: not over [images] gc_max_bytes or gc_high_percent (if set): nothing to collect`;
  const freed = report.removed.reduce((n, r) => n + r.freed, 0);
  const goal = humanBytes(plan.goalBytes ?? 0);
  const reached = plan.storeBytes - freed <= (plan.goalBytes ?? 0);
  const verb = dryRun ? 'would free' : 'freed';
  return `images take ${store}, over ${plan.over}: ${verb} ${humanBytes(freed)} in ${report.removed.length} image(s), ${humanBytes(plan.storeBytes - freed)} left (goal ${goal}${reached ? '' : ': not reached, the rest is in use, kept or young'})`;
}

/** `images ls`: every image, least recently used first, with what protects it. Pure. */
export function listLines(plan: GcPlan): string[] {
  const rows = plan.judged.map((j) => [
    shortId(j.image),
    humanBytes(j.image.size),
    used(j),
    j.protectedBy ?? 'collectable',
    names(j.image),
  ]);
  const header = ['IMAGE ID', 'SIZE', 'LAST USE', 'GC', 'REFERENCES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), `${plan.judged.length} image(s), ${humanBytes(plan.storeBytes)}`];
}
