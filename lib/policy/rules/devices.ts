import type { JobRequest } from '../../request/job-request.js';
import type { DevicesSpec, GpuSpec } from '../../runtime/container-spec.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

const NONE: GpuSpec = { kind: 'none' };

/**
 * The GPUs LSF allocated, when they are real. CUDA_VISIBLE_DEVICES alone could be exported by the
 * user at submission: it counts as an allocation only for a job whose effective resource request
 * (set by LSF) asks for GPUs, and only for GPUs this host has.
 */
function allocatedGpus(job: JobRequest['job'], hostGpus: string[], found: Findings): GpuSpec {
  const ids = job.gpus ?? [];
  const list = ids.join(',');
  if (job.gpusAsked === 0) {
    found.decide(`CUDA_VISIBLE_DEVICES=${list} but the job's resource request asks for no GPU: none passed`);
    return NONE;
  }
  if (ids.length > job.gpusAsked) {
    found.refuse(
      'CUDA_VISIBLE_DEVICES',
      `${ids.length} GPUs listed, but the job's resource request asks for ${job.gpusAsked}`,
    );
    return NONE;
  }
  const missing = ids.filter((g) => /^\d+$/.test(g) && !hostGpus.includes(g));
  if (missing.length > 0) {
    found.refuse(
      'CUDA_VISIBLE_DEVICES',
      `GPU ${missing.join(',')} does not exist on this host (it has ${hostGpus.join(',')})`,
    );
    return NONE;
  }
  found.decide(`GPUs ${list} passed (allocated by LSF), seen inside as ${insideNumbers(ids).join(',')}`);
  return { kind: 'devices', ids };
}

/** Inside the container the GPUs passed are numbered from 0 again. */
function insideNumbers(ids: string[]): string[] {
  return ids.map((_, i) => String(i));
}

function gpusOf(request: JobRequest, { config, probe }: RuleContext, found: Findings): GpuSpec {
  const hostGpus = probe.hostGpus();
  if (config.devices.gpus === 'off') found.decide('GPUs disabled by the admin');
  else if (hostGpus.length === 0) found.decide('this host has no GPU: none passed');
  else if (config.devices.gpus === 'all') {
    found.decide('all GPUs passed ([devices] gpus = all)');
    return { kind: 'all' };
  } else if (request.job.gpus && request.job.gpus.length > 0)
    return allocatedGpus(request.job, hostGpus, found);
  else found.decide('no GPU allocated to this job: none passed');
  return NONE;
}

/** The admin's devices ([devices] device): device nodes (or directories of them) present on this host, each once. */
function otherDevices({ config, probe }: RuleContext, taken: string[], found: Findings): string[] {
  const paths: string[] = [];
  for (const d of config.devices.device) {
    if (taken.includes(d) || paths.includes(d)) continue;
    const stat = probe.stat(d);
    if (stat === undefined) found.decide(`device ${d} absent on this host: skipped`);
    else if (stat.kind === 'file' || stat.kind === 'socket')
      found.decide(`device ${d} is not a device node: skipped`);
    else {
      found.decide(`device ${d} passed ([devices] device)`);
      paths.push(d);
    }
  }
  return paths;
}

/** The admin's InfiniBand and other devices present on this host, and the GPUs the job may use. */
export function devicesRule(request: JobRequest, ctx: RuleContext): Ruling<DevicesSpec> {
  const found = new Findings();
  const infiniband = ctx.config.devices.infiniband.filter((d) => ctx.probe.stat(d) !== undefined);
  const paths = [...infiniband, ...otherDevices(ctx, infiniband, found)];
  return found.ruling({ paths, gpus: gpusOf(request, ctx, found) });
}

/** What the GPU libraries inside must be told: NVIDIA_VISIBLE_DEVICES always, CUDA_VISIBLE_DEVICES for allocated GPUs. */
export function gpuVariables(gpus: GpuSpec): Array<[string, string]> {
  if (gpus.kind === 'none') return [['NVIDIA_VISIBLE_DEVICES', 'void']];
  if (gpus.kind === 'all') return [['NVIDIA_VISIBLE_DEVICES', 'all']];
  return [
    ['NVIDIA_VISIBLE_DEVICES', gpus.ids.join(',')],
    ['CUDA_VISIBLE_DEVICES', insideNumbers(gpus.ids).join(',')],
  ];
}
