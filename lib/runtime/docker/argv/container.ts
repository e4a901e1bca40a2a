import { LABEL } from '../../../kernel/labels.js';
import type { ArgvSection } from './section.js';

/**
 * The container itself: removed when it ends, named, its id written to the cidfile, never pulled
 * by `run` (the wrapper pulls, or not, by its own policy), labelled with its job and private dir.
 */
export const containerArgs: ArgvSection = (spec, files) => {
  const a = ['run', '--pull=never', '--rm', `--name=${spec.name}`, `--cidfile=${files.cidfile}`];
  a.push('--hostname', spec.network.hostname);
  for (const [key, value] of spec.labels) a.push('--label', `${key}=${value}`);
  a.push('--label', `${LABEL.dir}=${files.dir}`);
  return a;
};
