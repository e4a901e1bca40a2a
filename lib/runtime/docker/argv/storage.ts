import { type BindMount, CONTAINER_SCRIPT } from '../../container-spec.js';
import type { ArgvSection } from './section.js';

/** The value of one --mount: a bind mount, read-only and with its propagation when asked. */
export function mountArg(m: Pick<BindMount, 'source' | 'target' | 'readOnly' | 'propagation'>): string {
  let arg = `type=bind,source=${m.source},target=${m.target}`;
  if (m.readOnly) arg += ',readonly';
  if (m.propagation) arg += `,bind-propagation=${m.propagation}`;
  return arg;
}

/** The wrapper's files (minimal passwd and group, the job script) read-only, then the job's mounts, and the workdir. */
export const storageArgs: ArgvSection = (spec, files) => {
  const a = ['--mount', mountArg({ source: files.passwd, target: '/etc/passwd', readOnly: true })];
  a.push('--mount', mountArg({ source: files.group, target: '/etc/group', readOnly: true }));
  if (spec.process.script !== undefined) {
    a.push('--mount', mountArg({ source: files.script, target: CONTAINER_SCRIPT, readOnly: true }));
  }
  for (const m of spec.storage.mounts) a.push('--mount', mountArg(m));
  a.push('--workdir', spec.storage.workdir);
  return a;
};
