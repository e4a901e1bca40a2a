import type { GpuSpec } from '../../container-spec.js';
import type { ArgvSection } from './section.js';

/** The value of --gpus: all, or "device=ID,ID" (quoted: docker reads the value as CSV). */
export function gpusArg(gpus: GpuSpec): string | undefined {
  if (gpus.kind === 'all') return 'all';
  if (gpus.kind === 'devices') return `"device=${gpus.ids.join(',')}"`;
  return undefined;
}

/** Device nodes at their own path, and the GPUs (docker's NVIDIA runtime hook). */
export const devicesArgs: ArgvSection = ({ devices }) => {
  const a = devices.paths.map((d) => `--device=${d}`);
  const gpus = gpusArg(devices.gpus);
  if (gpus) a.push('--gpus', gpus);
  return a;
};
