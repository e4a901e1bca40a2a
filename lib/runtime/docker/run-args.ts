import type { JobFiles } from '../../host/private-dir.js';
import { CONTAINER_SCRIPT, type Mount, type RunPlan } from '../spec.js';

export type { JobFiles };

export function mountArg(m: Pick<Mount, 'source' | 'target' | 'readOnly' | 'propagation'>): string {
  let arg = `type=bind,source=${m.source},target=${m.target}`;
  if (m.readOnly) arg += ',readonly';
  if (m.propagation) arg += `,bind-propagation=${m.propagation}`;
  return arg;
}

/**
 * RunPlan -> the argv of `docker run` (without the docker binary). Pure: the same plan and files
 * always give the same argv. Every value is its own argv element; nothing passes through a shell.
 */
export function buildRunArgs(plan: RunPlan, files: JobFiles): string[] {
  // The wrapper pulls (or not) by its own policy: docker run must never pull behind its back.
  const a: string[] = ['run', '--pull=never'];
  a.push('--rm', `--name=${plan.name}`, `--cidfile=${files.cidfile}`, '--hostname', plan.hostname);
  for (const [key, value] of plan.labels) a.push('--label', `${key}=${value}`);
  a.push('--label', `lsf-docker.dir=${files.dir}`);
  // Identity: numeric user, every supplementary group, the minimal passwd/group read-only.
  a.push('--user', `${plan.uid}:${plan.gid}`);
  for (const g of plan.groups) a.push('--group-add', String(g));
  a.push('--mount', mountArg({ source: files.passwd, target: '/etc/passwd', readOnly: true }));
  a.push('--mount', mountArg({ source: files.group, target: '/etc/group', readOnly: true }));
  if (plan.script !== undefined) {
    a.push('--mount', mountArg({ source: files.script, target: CONTAINER_SCRIPT, readOnly: true }));
  }
  for (const m of plan.mounts) a.push('--mount', mountArg(m));
  a.push('--workdir', plan.workdir);
  // Lock-down.
  a.push('--cap-drop=ALL');
  for (const cap of plan.capAdd) a.push(`--cap-add=${cap}`);
  a.push('--security-opt=no-new-privileges');
  for (const label of plan.selinuxLabels) a.push('--security-opt', `label=${label}`);
  a.push('--init', `--pids-limit=${plan.pidsLimit}`, '--sig-proxy=false');
  if (plan.interactive) a.push('--interactive');
  if (plan.tty) a.push('--tty');
  // Namespaces and networking.
  if (plan.network) a.push(`--network=${plan.network}`);
  if (plan.ipc) a.push(`--ipc=${plan.ipc}`);
  if (plan.shmSize !== undefined) a.push(`--shm-size=${plan.shmSize}`);
  for (const p of plan.ports) a.push('--publish', p);
  for (const h of plan.addHosts) a.push(`--add-host=${h}`);
  if (plan.cgroupParent) a.push(`--cgroup-parent=${plan.cgroupParent}`);
  // Resources and devices.
  a.push(`--cpu-shares=${plan.cpuShares}`);
  if (plan.memory !== undefined) a.push(`--memory=${plan.memory}`);
  if (plan.memorySwap !== undefined) a.push(`--memory-swap=${plan.memorySwap}`);
  for (const u of plan.ulimits) a.push('--ulimit', u);
  for (const d of plan.devices) a.push(`--device=${d}`);
  if (plan.gpus) a.push('--gpus', plan.gpus);
  a.push(`--env-file=${files.env}`);
  if (plan.entrypoint !== undefined) a.push(`--entrypoint=${plan.entrypoint}`);
  a.push('--', plan.image, ...plan.command);
  return a;
}

/** The argv of `docker pull` for the plan's image (without the docker binary). */
export function buildPullArgs(image: string): string[] {
  return ['pull', '--', image];
}
