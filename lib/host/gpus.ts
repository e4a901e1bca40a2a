import { readdirSync } from 'node:fs';

const GPU_NODE = /^nvidia(\d+)$/;

/**
 * The host's GPUs: the indexes N of the /dev/nvidiaN device nodes under DEV_DIR ([devices]
 * gpu_dev_dir), ascending; none when the directory cannot be read.
 */
export function hostGpuIndexes(devDir = '/dev'): number[] {
  try {
    return readdirSync(devDir)
      .map((name) => GPU_NODE.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}
