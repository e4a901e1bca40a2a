import { ulimitArg } from '../docker/argv/resources.js';
import { DOCKER_RUN_SECTIONS, type RunArgvSections } from '../docker/argv/run.js';
import type { ArgvSection } from '../docker/argv/section.js';
import type { RuntimeCapabilities } from '../types.js';

/**
 * The sections of a `podman run` argv that differ from docker's (DOCKER_RUN_SECTIONS): each one
 * measured on podman 4.3 (/work/shared/reference/podman.md, docs/admin-guide-podman.md).
 */

/**
 * Rootless: `--userns=keep-id`, so that the user is themselves in the container (files written on
 * bind mounts are theirs, the cwd is writable); without it the cwd shows as root's and writes
 * fail. Rootful refuses keep-id: the plain `--user`, as docker. Supplementary groups are whatever
 * policy left (rootless: none; see lib/policy/rules/runtime-fit.ts).
 */
export const podmanIdentityArgs =
  (caps: RuntimeCapabilities): ArgvSection =>
  (spec, files) => [
    ...(caps.rootless ? ['--userns=keep-id'] : []),
    ...DOCKER_RUN_SECTIONS.identity(spec, files),
  ];

/**
 * Every capability dropped and none added: podman puts a --cap-add capability into a non-root
 * user's effective, permitted, inheritable AND ambient sets (a rootful job user could chown root's
 * files on a bind mount). The job user is never root (lib/host/identity-from-os.ts), so the
 * capabilities docker keeps in the bounding set give it nothing there either: none is the same.
 */
export const podmanSecurityArgs: ArgvSection = ({ security }) => {
  // --privileged only when policy decided it ([security] privileged, a trusted profile's): root-equivalent.
  const a = security.privileged ? ['--privileged', '--cap-drop=ALL'] : ['--cap-drop=ALL'];
  if (security.noNewPrivileges) a.push('--security-opt=no-new-privileges');
  for (const label of security.selinuxLabels) a.push('--security-opt', `label=${label}`);
  return a;
};

/**
 * The init, the pids limit (only where podman enforces it), and `--sig-proxy=true`: with false,
 * a podman CLI that receives SIGTERM itself exits 0 and leaves the container running; with true it
 * relays the signal and returns the job's own status. (The CLI runs in its own process group:
 * LSF's signals reach the container through `podman kill`, see lib/job/phases.ts.)
 */
export const podmanProcessArgs =
  (caps: RuntimeCapabilities): ArgvSection =>
  ({ process, resources }) => {
    const a: string[] = [];
    if (process.init) a.push('--init');
    if (caps.enforcesLimits) a.push(`--pids-limit=${resources.pidsLimit}`);
    a.push('--sig-proxy=true');
    if (process.interactive) a.push('--interactive');
    if (process.tty) a.push('--tty');
    return a;
  };

/**
 * Limits only where podman enforces them: rootless on cgroup v1 it ignores memory, cpu and pids
 * (policy refused the job or warned it, [resources] unenforceable) and fails on a cgroup parent.
 * Ulimits are process limits, not cgroup ones: always passed.
 */
export const podmanResourcesArgs =
  (caps: RuntimeCapabilities): ArgvSection =>
  (spec, files) =>
    caps.enforcesLimits
      ? DOCKER_RUN_SECTIONS.resources(spec, files)
      : spec.resources.ulimits.flatMap((u) => ['--ulimit', ulimitArg(u)]);

/** The CDI name of GPU ID (nvidia-ctk cdi generate: by index, UUID, or all). */
export const cdiGpu = (id: string) => `nvidia.com/gpu=${id}`;

/** Device nodes at their own path, and the GPUs as CDI devices (`--gpus` is a silent no-op in podman 4.3). */
export const podmanDevicesArgs: ArgvSection = ({ devices }) => {
  const a = devices.paths.map((d) => `--device=${d}`);
  if (devices.gpus.kind === 'all') a.push(`--device=${cdiGpu('all')}`);
  if (devices.gpus.kind === 'devices') for (const id of devices.gpus.ids) a.push(`--device=${cdiGpu(id)}`);
  return a;
};

/** docker's sections with podman's where they differ, for a podman with CAPS. */
export function podmanRunSections(caps: RuntimeCapabilities): Readonly<RunArgvSections> {
  return {
    ...DOCKER_RUN_SECTIONS,
    identity: podmanIdentityArgs(caps),
    security: podmanSecurityArgs,
    process: podmanProcessArgs(caps),
    resources: podmanResourcesArgs(caps),
    devices: podmanDevicesArgs,
  };
}
