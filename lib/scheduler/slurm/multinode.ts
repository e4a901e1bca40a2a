/**
 * Multi-node jobs, the way pyxis runs containers: the batch script (on the first node) starts one
 * job starter per node through `srun`, and every container sees the whole host list. Pure.
 */
import { renderCommand, type Word } from './shell.js';

/**
 * srun's options for one task per node over the whole allocation:
 *   --whole               the step gets all the job's CPUs and memory on each node (22.05 steps
 *                         otherwise get 1 CPU per task); each task sees its node's
 *                         SLURM_CPUS_ON_NODE and RLIMIT_RSS
 *   --ntasks-per-node=1   one container per node
 *   --kill-on-bad-exit=1  a node whose container fails ends the others (as LSF ends a parallel job)
 * (measured: srun's status is the highest task status, 128+N for a signalled task).
 */
export const CONTAINER_PER_NODE_OPTIONS = ['--whole', '--ntasks-per-node=1', '--kill-on-bad-exit=1'] as const;

/** `srun ... -- STARTER...` for a known node count. */
export function containerPerNodeArgv(starter: readonly string[], nodes: number, srun = 'srun'): string[] {
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`nodes ${nodes}: want a positive integer`);
  return [srun, ...CONTAINER_PER_NODE_OPTIONS, `--nodes=${nodes}`, `--ntasks=${nodes}`, '--', ...starter];
}

/** The same argv for the batch script, with the node count the script reads from Slurm. */
export function containerPerNodeWords(starter: readonly string[], srun = 'srun'): Word[] {
  return [
    srun,
    ...CONTAINER_PER_NODE_OPTIONS,
    { prefix: '--nodes=', variable: 'SLURM_JOB_NUM_NODES' },
    { prefix: '--ntasks=', variable: 'SLURM_JOB_NUM_NODES' },
    '--',
    ...starter,
  ];
}

/**
 * The batch script's lines that start the job: over several nodes `exec srun ...` (one starter
 * per node), on one node `exec STARTER` directly. Either way the process Slurm signals is the
 * one that relays (cgroup proctrack signals only the main process).
 */
export function startLines(
  starter: readonly string[],
  opts: { multiNode: boolean; srun?: string },
): string[] {
  const direct = `exec ${renderCommand(starter)}`;
  if (!opts.multiNode) return [direct];
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, expanded by the script
    'if [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then',
    `  exec ${renderCommand(containerPerNodeWords(starter, opts.srun))}`,
    'fi',
    direct,
  ];
}

/** LSF's host variables from the allocation: LSB_HOSTS (one name per slot), LSB_MCPU_HOSTS (name count ...). */
export function hostsContract(
  nodes: readonly string[],
  slotsPerNode: readonly number[],
): { LSB_HOSTS: string; LSB_MCPU_HOSTS: string } {
  if (nodes.length !== slotsPerNode.length)
    throw new RangeError(`${nodes.length} nodes but ${slotsPerNode.length} slot counts`);
  return {
    LSB_HOSTS: nodes.flatMap((n, i) => Array.from({ length: slotsPerNode[i]! }, () => n)).join(' '),
    LSB_MCPU_HOSTS: nodes.map((n, i) => `${n} ${slotsPerNode[i]}`).join(' '),
  };
}
