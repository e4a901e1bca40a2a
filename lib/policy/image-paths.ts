import type { HostProbe } from '../host/probe.js';
import type { BindMount, ContainerSpec } from '../runtime/container-spec.js';
import { type ImageLinks, lookupInTree, type Placing, placeMounts } from './rules/mount-tree.js';
import { RUNTIME_FILES } from './rules/paths.js';

const VARIABLE: Record<BindMount['origin'], string> = {
  cwd: 'LS_SUBCWD',
  tmpdir: 'TMPDIR',
  user: 'LSF_DOCKER_VOLUMES',
  admin: 'LSF_DOCKER_VOLUMES',
  wrapper: 'LSF_DOCKER_VOLUMES',
  jobfile: 'LSB_JOBFILENAME',
};

/**
 * The second look at the container's mount tree, once the image is on the host: the image's own
 * symlinks (e.g. an image whose /home is a link to /data, where the user mounts a directory they
 * cannot write) redirect where the runtime creates mount points and the workdir, as root. Every
 * target and the workdir are looked up again with them; the first that the runtime would create
 * inside a bind mount's host directory is returned as a refusal. Pure apart from the probes.
 */
export function imagePathProblem(
  spec: Pick<ContainerSpec, 'storage'>,
  image: ImageLinks,
  probe: Pick<HostProbe, 'lstat' | 'readlink' | 'userMay'>,
): { variable: string; message: string } | undefined {
  const items: Placing[] = [
    ...spec.storage.mounts.map((m) => ({
      mount: m,
      variable: VARIABLE[m.origin],
      label: `target ${m.target}`,
    })),
    ...RUNTIME_FILES.map((target) => ({
      mount: { target, origin: 'runtime' as const },
      variable: 'LSB_CONTAINER_IMAGE',
      label: `the runtime's ${target}`,
    })),
  ];
  const tree = placeMounts(items, probe, image);
  const through = " (through the image's own symlinks)";
  if (tree.problem) return { ...tree.problem, message: `${tree.problem.message}${through}` };
  // A target the image's symlinks carry into a directory the user may change could be swapped
  // before the runtime mounts it (the wrapper stages by descriptor only what policy placed).
  for (const [m, { changeable }] of tree.nested) {
    const given = spec.storage.mounts.find((o) => o.source === m.source && o.origin === m.origin);
    if (changeable && given && given.target !== m.target)
      return {
        variable: VARIABLE[m.origin],
        message: `target ${given.target} leads into ${changeable}, which you can change${through}`,
      };
  }
  const { workdir } = spec.storage;
  const l = lookupInTree(
    workdir,
    [...tree.mounts, ...RUNTIME_FILES.map((target) => ({ target }))],
    probe,
    image,
  );
  if (l.kind === 'create')
    return {
      variable: 'LSF_DOCKER_WORKDIR',
      message: `${workdir} leads into the mount at ${l.mount.target}, but ${l.hostPath} does not exist there: the runtime would create it as root${through}`,
    };
  if (l.kind === 'found' && l.mount && l.path !== l.mount.target && l.changeable && l.path !== workdir)
    return {
      variable: 'LSF_DOCKER_WORKDIR',
      message: `${workdir} leads into ${l.changeable}, which you can change${through}`,
    };
  return undefined;
}
