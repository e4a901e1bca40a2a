/**
 * The facts of a Slurm job, read from the environment slurmstepd gives the batch script or an
 * srun task (names measured in 22.05: ../../../../notes/slurm-adapter.md), and the LSB_* contract
 * a container sees on Slurm as on LSF. Pure; a variable that is present but malformed is an error
 * naming it, never a guess.
 */
import { expandCounts, expandHostlist } from './hostlist.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class SlurmFactsError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface SlurmStep {
  /** SLURM_STEP_ID (0, 1, ...). */
  id: number;
  /** SLURM_PROCID: the task's rank in the step. */
  rank: number;
  /** SLURM_STEP_NUM_TASKS. */
  tasks?: number;
  /** SLURM_STEP_NODELIST, expanded. */
  nodes?: string[];
}

export interface SlurmJobFacts {
  /** SLURM_JOB_ID: Slurm's own id (an array task has its own). */
  slurmJobId: number;
  /** The id bsub printed and LSF's LSB_JOBID: SLURM_ARRAY_JOB_ID for an array task, else SLURM_JOB_ID. */
  jobId: number;
  /** SLURM_ARRAY_JOB_ID, for an array task. */
  arrayJobId?: number;
  /** SLURM_ARRAY_TASK_ID, or 0 (LSF's LSB_JOBINDEX for a plain job). */
  index: number;
  /** The submitted LSB_JOBNAME, else SLURM_JOB_NAME outside srun steps (see jobName). */
  name?: string;
  /** SLURM_JOB_PARTITION. */
  partition?: string;
  /** SLURM_JOB_USER. */
  user?: string;
  /** SLURM_CLUSTER_NAME. */
  cluster?: string;
  /** SLURM_SUBMIT_DIR. */
  submitDir?: string;
  /** SLURM_SUBMIT_HOST. */
  submitHost?: string;
  /** SLURMD_NODENAME: this node's Slurm name. */
  nodeName?: string;
  /** SLURM_NODEID: this node's position in `nodes`. */
  nodeIndex: number;
  /** SLURM_JOB_NODELIST (else SLURM_NODELIST) as Slurm wrote it, e.g. n[1-3]. */
  nodeListText: string;
  /** The same, expanded. */
  nodes: string[];
  /** SLURM_JOB_CPUS_PER_NODE expanded, aligned with `nodes`: the job's slots on each node. */
  cpusPerNode: number[];
  /** All the job's slots: the sum of cpusPerNode (survives an srun step that changes SLURM_NTASKS). */
  slots: number;
  /** SLURM_CPUS_ON_NODE: CPUs of this job (or step) on this node. */
  cpusOnNode: number;
  /** SLURM_NTASKS (the step's inside an srun step). */
  ntasks?: number;
  /** Memory on this node in bytes: SLURM_MEM_PER_NODE, or SLURM_MEM_PER_CPU x cpusOnNode (MB in Slurm). */
  memoryBytes?: number;
  /** GPU ids Slurm allocated: SLURM_STEP_GPUS in a step, else SLURM_JOB_GPUS (global ids, never cgroup-relative). */
  gpus: string[];
  /** The srun step this process is a task of (undefined in the batch script itself). */
  step?: SlurmStep;
  /** An interactive job (srun outside sbatch): no ENVIRONMENT=BATCH. */
  interactive: boolean;
  /** TMPDIR as the job has it (slurmstepd sets /tmp when unset). */
  tmpdir?: string;
  /**
   * The leaf of the job tmpdir under [paths] job_tmp_root, named as the local LSF names it
   * (JOB.tmpdir, JOB_INDEX.tmpdir); with the node name added for a job over several nodes, whose
   * nodes may share one host (the test cluster runs n1..n3 on one machine).
   */
  tmpdirLeaf: string;
}

const JOB_ID = /^\d{1,19}$/;
const COUNT = /^\d{1,9}$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/;
const GPU_ID = /^(?:\d{1,3}|GPU-[0-9a-fA-F-]{8,64}|MIG-[0-9a-zA-Z/-]{4,80})$/;
const MB = 1024 * 1024;

const present = (v: string | undefined): v is string => v !== undefined && v !== '';

function number(env: Env, name: string, grammar: RegExp, what: string): number | undefined {
  const v = env[name];
  if (!present(v)) return undefined;
  if (!grammar.test(v)) throw new SlurmFactsError(name, `"${v}" is not ${what}`);
  return Number(v);
}

function text(env: Env, name: string): string | undefined {
  const v = env[name];
  return present(v) ? v : undefined;
}

function gpuList(env: Env, name: string): string[] | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  if (v.trim() === '') return [];
  const ids = v.split(',').map((g) => g.trim());
  if (ids.some((g) => !GPU_ID.test(g)))
    throw new SlurmFactsError(name, `"${v}" is not a list of GPU indexes or UUIDs`);
  return ids;
}

/**
 * The job's name: the LSB_JOBNAME the submission exported (without an element's [INDEX]), else
 * SLURM_JOB_NAME outside srun steps. Measured: sbatch --export-file drops SLURM_JOB_NAME, and in
 * an srun step SLURM_JOB_NAME is the step's program name (e.g. docker_run), not the job's.
 */
function jobName(env: Env, index: number, inStep: boolean): string | undefined {
  const lsb = text(env, 'LSB_JOBNAME');
  if (lsb !== undefined)
    return index > 0 && lsb.endsWith(`[${index}]`) ? lsb.slice(0, -`[${index}]`.length) : lsb;
  return inStep ? undefined : text(env, 'SLURM_JOB_NAME');
}

function arrayOf(env: Env): { arrayJobId?: number; arrayTask?: number } {
  const arrayJobId = number(env, 'SLURM_ARRAY_JOB_ID', JOB_ID, 'a job number');
  const arrayTask = number(env, 'SLURM_ARRAY_TASK_ID', COUNT, 'an array index');
  if ((arrayJobId === undefined) !== (arrayTask === undefined)) {
    const missing = arrayJobId === undefined ? 'SLURM_ARRAY_JOB_ID' : 'SLURM_ARRAY_TASK_ID';
    throw new SlurmFactsError(missing, 'missing while the other array variable is set');
  }
  return { arrayJobId, arrayTask };
}

/** The job's nodes, this node's name and position among them. */
function nodesOf(env: Env): Pick<SlurmJobFacts, 'nodeListText' | 'nodes' | 'nodeName' | 'nodeIndex'> & {
  nodeVar: string;
} {
  const nodeVar = present(env.SLURM_JOB_NODELIST) ? 'SLURM_JOB_NODELIST' : 'SLURM_NODELIST';
  const nodeListText = env[nodeVar] ?? '';
  const nodes = expandHostlist(nodeListText);
  if (!nodes || nodes.length === 0)
    throw new SlurmFactsError(nodeVar, `"${nodeListText}" is not a Slurm host list`);
  if (nodes.some((n) => !NODE_NAME.test(n)))
    throw new SlurmFactsError(nodeVar, `"${nodeListText}" names a host that is not a node name`);
  const nodeName = text(env, 'SLURMD_NODENAME');
  if (nodeName !== undefined && !NODE_NAME.test(nodeName))
    throw new SlurmFactsError('SLURMD_NODENAME', `"${nodeName}" is not a node name`);
  const nodeIndex = number(env, 'SLURM_NODEID', COUNT, 'a node index') ?? 0;
  if (nodeIndex >= nodes.length)
    throw new SlurmFactsError('SLURM_NODEID', `${nodeIndex} is outside ${nodeVar} (${nodes.length} nodes)`);
  return { nodeVar, nodeListText, nodes, nodeName, nodeIndex };
}

/** The job's CPUs on each node (SLURM_JOB_CPUS_PER_NODE), and this node's. */
function cpusOf(env: Env, nodes: string[], nodeVar: string, nodeIndex: number) {
  const cpusText = env.SLURM_JOB_CPUS_PER_NODE;
  let cpusPerNode = nodes.map(() => 1);
  if (present(cpusText)) {
    const counts = expandCounts(cpusText);
    if (!counts || counts.length !== nodes.length || counts.some((c) => c < 1))
      throw new SlurmFactsError(
        'SLURM_JOB_CPUS_PER_NODE',
        `"${cpusText}" is not one CPU count per node of ${nodeVar} (${nodes.length})`,
      );
    cpusPerNode = counts;
  }
  const cpusOnNode = number(env, 'SLURM_CPUS_ON_NODE', COUNT, 'a CPU count') ?? cpusPerNode[nodeIndex] ?? 1;
  return { cpusPerNode, cpusOnNode };
}

function memoryOf(env: Env, cpusOnNode: number): number | undefined {
  const memPerNode = number(env, 'SLURM_MEM_PER_NODE', COUNT, 'a size in MB');
  const memPerCpu = number(env, 'SLURM_MEM_PER_CPU', COUNT, 'a size in MB');
  if (memPerNode !== undefined && memPerNode > 0) return memPerNode * MB;
  return memPerCpu !== undefined && memPerCpu > 0 ? memPerCpu * cpusOnNode * MB : undefined;
}

function stepOf(env: Env): SlurmStep | undefined {
  const stepId = number(env, 'SLURM_STEP_ID', COUNT, 'a step id');
  if (stepId === undefined) return undefined;
  const stepNodesText = text(env, 'SLURM_STEP_NODELIST');
  const stepNodes = stepNodesText === undefined ? undefined : expandHostlist(stepNodesText);
  if (stepNodesText !== undefined && !stepNodes)
    throw new SlurmFactsError('SLURM_STEP_NODELIST', `"${stepNodesText}" is not a Slurm host list`);
  return {
    id: stepId,
    rank: number(env, 'SLURM_PROCID', COUNT, 'a task rank') ?? 0,
    tasks: number(env, 'SLURM_STEP_NUM_TASKS', COUNT, 'a task count'),
    nodes: stepNodes,
  };
}

/** The job's facts, or undefined outside a Slurm job (no SLURM_JOB_ID). */
export function slurmJobFacts(env: Env): SlurmJobFacts | undefined {
  const slurmJobId = number(env, 'SLURM_JOB_ID', JOB_ID, 'a job number');
  if (slurmJobId === undefined) return undefined;
  const { arrayJobId, arrayTask } = arrayOf(env);
  const { nodeVar, ...where } = nodesOf(env);
  const { cpusPerNode, cpusOnNode } = cpusOf(env, where.nodes, nodeVar, where.nodeIndex);
  const step = stepOf(env);
  const gpus = (step ? gpuList(env, 'SLURM_STEP_GPUS') : undefined) ?? gpuList(env, 'SLURM_JOB_GPUS') ?? [];
  const jobId = arrayJobId ?? slurmJobId;
  const index = arrayTask ?? 0;
  const base = index > 0 || arrayJobId !== undefined ? `${jobId}_${index}` : `${jobId}`;
  const node = where.nodeName ?? where.nodes[where.nodeIndex];
  return {
    slurmJobId,
    jobId,
    arrayJobId,
    index,
    name: jobName(env, index, step !== undefined),
    partition: text(env, 'SLURM_JOB_PARTITION'),
    user: text(env, 'SLURM_JOB_USER'),
    cluster: text(env, 'SLURM_CLUSTER_NAME'),
    submitDir: text(env, 'SLURM_SUBMIT_DIR'),
    submitHost: text(env, 'SLURM_SUBMIT_HOST'),
    ...where,
    cpusPerNode,
    slots: cpusPerNode.reduce((a, b) => a + b, 0),
    cpusOnNode,
    ntasks: number(env, 'SLURM_NTASKS', COUNT, 'a task count'),
    memoryBytes: memoryOf(env, cpusOnNode),
    gpus,
    step,
    interactive: env.ENVIRONMENT !== 'BATCH',
    tmpdir: text(env, 'TMPDIR'),
    tmpdirLeaf: where.nodes.length > 1 ? `${base}.${node}.tmpdir` : `${base}.tmpdir`,
  };
}
