import { isWithin } from '../../kernel/grammar/path.js';
import { formatSize } from '../../kernel/grammar/size.js';
import type { JobRequest } from '../../request/job-request.js';
import type { ResourcesSpec, Ulimit } from '../../runtime/container-spec.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** Docker's bounds for cpu shares. */
const CPU_SHARES = { min: 2, max: 262144 };

/** An admin ulimit as the config holds it, NAME=SOFT[:HARD] (checked when the config was loaded). */
export function parseUlimit(text: string): Ulimit {
  const [name, limits] = text.split('=') as [string, string];
  const [soft, hard = soft] = limits.split(':').map(Number) as [number, number?];
  return { name, soft, hard };
}

/** The memory limit: the job's own (bsub -M, as RLIMIT_RSS), else the admin's default; never above [resources] max_memory. */
function memoryLimit({ config, probe }: RuleContext, found: Findings): number | undefined {
  const rss = probe.rssLimit();
  const memory = rss ?? config.resources.memory;
  if (rss !== undefined) found.decide(`memory ${formatSize(rss)} from the job's limit (bsub -M)`);
  const max = config.resources.maxMemory;
  if (memory !== undefined && max !== undefined && memory > max) {
    found.decide(`memory capped at [resources] max_memory ${formatSize(max)}`);
    return max;
  }
  return memory;
}

function cgroupParentOf(request: JobRequest, { config }: RuleContext, found: Findings): string | undefined {
  const wanted = request.cgroupParent;
  if (!wanted) return undefined;
  if (config.security.allowCgroupParent.some((root) => isWithin(wanted, root))) return wanted;
  found.refuse('LSF_DOCKER_CGROUP', `"${wanted}" is not allowed ([security] allow_cgroup_parent)`);
  return undefined;
}

/** Cpu shares by the job's slots on this host, memory and swap, ulimits, pids, the cgroup parent. */
export function resourcesRule(request: JobRequest, ctx: RuleContext): Ruling<ResourcesSpec> {
  const found = new Findings();
  const { resources, security } = ctx.config;
  const shares = request.job.slots * resources.cpuSharesPerSlot;
  const cgroupParent = cgroupParentOf(request, ctx, found);
  return found.ruling({
    cpuShares: Math.min(CPU_SHARES.max, Math.max(CPU_SHARES.min, shares)),
    memory: memoryLimit(ctx, found),
    swap: resources.swap,
    ulimits: resources.ulimits.map(parseUlimit),
    pidsLimit: security.pidsLimit,
    cgroupParent,
  });
}
