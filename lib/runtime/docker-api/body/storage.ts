import { type BindMount, CONTAINER_SCRIPT } from '../../container-spec.js';
import type { BodySection } from './section.js';
import type { ApiMount } from './types.js';

/** One bind mount as the CLI sends its --mount (argv: mountArg): ReadOnly only when set. */
export function apiMount(m: Pick<BindMount, 'source' | 'target' | 'readOnly' | 'propagation'>): ApiMount {
  const mount: ApiMount = { Type: 'bind', Source: m.source, Target: m.target };
  if (m.readOnly) mount.ReadOnly = true;
  if (m.propagation) mount.BindOptions = { Propagation: m.propagation };
  return mount;
}

/** The wrapper's files read-only, then the job's mounts, and the workdir (argv: storageArgs). */
export const storageBody: BodySection = (spec, files) => {
  const mounts = [
    apiMount({ source: files.passwd, target: '/etc/passwd', readOnly: true }),
    apiMount({ source: files.group, target: '/etc/group', readOnly: true }),
  ];
  if (spec.process.script !== undefined) {
    mounts.push(apiMount({ source: files.script, target: CONTAINER_SCRIPT, readOnly: true }));
  }
  for (const m of spec.storage.mounts) mounts.push(apiMount(m));
  return { config: { WorkingDir: spec.storage.workdir }, host: { Mounts: mounts } };
};
