import { readFileSync } from 'node:fs';
import { type JobRecord, jobPaths } from './record.js';
import type { StateDirs } from './state.js';

/**
 * The container image line of `bjobs -l`: the image the job named (LSB_CONTAINER_IMAGE) and the
 * digest esub.docker pinned it at ([images] pin_digest, LSB_CONTAINER_IMAGE_DIGEST), from the
 * environment the job was submitted with. Empty for a job without an image.
 */
export function imageLine(dirs: StateDirs, r: JobRecord): string {
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(readFileSync(jobPaths(dirs, r.id, r.index).env, 'utf8')) as Record<string, unknown>;
  } catch {
    return '';
  }
  const image = typeof env.LSB_CONTAINER_IMAGE === 'string' ? env.LSB_CONTAINER_IMAGE : '';
  const digest = typeof env.LSB_CONTAINER_IMAGE_DIGEST === 'string' ? env.LSB_CONTAINER_IMAGE_DIGEST : '';
  if (!image) return '';
  return ` Container image <${image}>${digest ? `, pinned at digest <${digest}>` : ''};\n`;
}
