/**
 * The facts of a Slurm job, read from the environment slurmstepd gives the batch script or an
 * srun task (names measured in 22.05: ../../../../notes/slurm-adapter.md), and the LSB_* contract
 * a container sees on Slurm as on LSF. Pure; a variable that is present but malformed is an error
 * naming it, never a guess.
 */
import { expandCounts, expandHostlist } from './hostlist.js';
import { hostsContract } from './multinode.js';

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

/** The job's facts, or undefined outside a Slurm job (no SLURM_JOB_ID). */
export function slurmJobFacts(env: Env): SlurmJobFacts | undefined {
  const slurmJobId = number(env, 'SLURM_JOB_ID', JOB_ID, 'a job number');
  if (slurmJobId === undefined) return undefined;
  const arrayJobId = number(env, 'SLURM_ARRAY_JOB_ID', JOB_ID, 'a job number');
  const arrayTask = number(env, 'SLURM_ARRAY_TASK_ID', COUNT, 'an array index');
  if ((arrayJobId === undefined) !== (arrayTask === undefined)) {
    const missing = arrayJobId === undefined ? 'SLURM_ARRAY_JOB_ID' : 'SLURM_ARRAY_TASK_ID';
    throw new SlurmFactsError(missing, 'missing while the other array variable is set');
  }

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

  const cpusText = env.SLURM_JOB_CPUS_PER_NODE;
  let cpusPerNode: number[];
  if (present(cpusText)) {
    const counts = expandCounts(cpusText);
    if (!counts || counts.length !== nodes.length || counts.some((c) => c < 1))
      throw new SlurmFactsError(
        'SLURM_JOB_CPUS_PER_NODE',
        `"${cpusText}" is not one CPU count per node of ${nodeVar} (${nodes.length})`,
      );
    cpusPerNode = counts;
  } else cpusPerNode = nodes.map(() => 1);
  const cpusOnNode = number(env, 'SLURM_CPUS_ON_NODE', COUNT, 'a CPU count') ?? cpusPerNode[nodeIndex] ?? 1;

  const memPerNode = number(env, 'SLURM_MEM_PER_NODE', COUNT, 'a size in MB');
  const memPerCpu = number(env, 'SLURM_MEM_PER_CPU', COUNT, 'a size in MB');
  const memoryBytes =
    memPerNode !== undefined && memPerNode > 0
      ? memPerNode * MB
      : memPerCpu !== undefined && memPerCpu > 0
        ? memPerCpu * cpusOnNode * MB
        : undefined;

  const stepId = number(env, 'SLURM_STEP_ID', COUNT, 'a step id');
  let step: SlurmStep | undefined;
  if (stepId !== undefined) {
    const stepNodesText = text(env, 'SLURM_STEP_NODELIST');
    const stepNodes = stepNodesText === undefined ? undefined : expandHostlist(stepNodesText);
    if (stepNodesText !== undefined && !stepNodes)
      throw new SlurmFactsError('SLURM_STEP_NODELIST', `"${stepNodesText}" is not a Slurm host list`);
    step = {
      id: stepId,
      rank: number(env, 'SLURM_PROCID', COUNT, 'a task rank') ?? 0,
      tasks: number(env, 'SLURM_STEP_NUM_TASKS', COUNT, 'a task count'),
      nodes: stepNodes,
    };
  }
  const gpus = (step ? gpuList(env, 'SLURM_STEP_GPUS') : undefined) ?? gpuList(env, 'SLURM_JOB_GPUS') ?? [];

  const jobId = arrayJobId ?? slurmJobId;
  const index = arrayTask ?? 0;
  const base = index > 0 || arrayJobId !== undefined ? `${jobId}_${index}` : `${jobId}`;
  const multiNode = nodes.length > 1;
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
    nodeName,
    nodeIndex,
    nodeListText,
    nodes,
    cpusPerNode,
    slots: cpusPerNode.reduce((a, b) => a + b, 0),
    cpusOnNode,
    ntasks: number(env, 'SLURM_NTASKS', COUNT, 'a task count'),
    memoryBytes,
    gpus,
    step,
    interactive: env.ENVIRONMENT !== 'BATCH',
    tmpdir: text(env, 'TMPDIR'),
    tmpdirLeaf: multiNode ? `${base}.${nodeName ?? nodes[nodeIndex]}.tmpdir` : `${base}.tmpdir`,
  };
}

/** The LSB_* / LS_* variables the local LSF sets that a Slurm job also gets (lib/local/job-env.ts). */
export const LSB_CONTRACT_NAMES = [
  'LSB_JOBID',
  'LSB_JOBINDEX',
  'LSB_JOBNAME',
  'LSB_QUEUE',
  'LSB_HOSTS',
  'LSB_MCPU_HOSTS',
  'LSB_DJOB_NUMPROC',
  'LSB_MAX_NUM_PROCESSORS',
  'LS_SUBCWD',
  'LS_EXECCWD',
  'LSB_SUB_HOST',
  'LSB_EXEC_CLUSTER',
  'LSB_JOB_EXECUSER',
  'LSB_BATCH_JID',
  'LSB_INTERACTIVE',
  'LSB_EFFECTIVE_RSRCREQ',
  'CUDA_VISIBLE_DEVICES',
] as const;

/** The contract; TMPDIR only when the caller made the job tmpdir (else Slurm's TMPDIR stays). */
export type LsbContract = Partial<Record<(typeof LSB_CONTRACT_NAMES)[number] | 'TMPDIR', string>>;

/**
 * The LSF contract for a Slurm job: what lib/local/job-env.ts sets for a local job, from Slurm's
 * facts. Every name of LSB_CONTRACT_NAMES that is not in the result must be removed from the
 * job's environment (a value the user exported never survives, as on LSF).
 *   - LSB_HOSTS / LSB_MCPU_HOSTS list Slurm's node names with the job's CPUs on each.
 *   - LSB_EFFECTIVE_RSRCREQ is written for every job, with rusage[ngpus_physical=N] when Slurm
 *     allocated GPUs: docker_run trusts CUDA_VISIBLE_DEVICES only then (as on the local LSF).
 *   - TMPDIR only when the caller passes the job tmpdir it made.
 */
export function lsbContractFromSlurm(facts: SlurmJobFacts, opts: { tmpdir?: string } = {}): LsbContract {
  const hosts = hostsContract(facts.nodes, facts.cpusPerNode);
  const name =
    facts.name === undefined ? undefined : facts.index > 0 ? `${facts.name}[${facts.index}]` : facts.name;
  const gpuReq = facts.gpus.length > 0 ? ` rusage[ngpus_physical=${facts.gpus.length}]` : '';
  const out: LsbContract = {
    LSB_JOBID: String(facts.jobId),
    LSB_JOBINDEX: String(facts.index),
    LSB_HOSTS: hosts.LSB_HOSTS,
    LSB_MCPU_HOSTS: hosts.LSB_MCPU_HOSTS,
    LSB_DJOB_NUMPROC: String(facts.slots),
    LSB_MAX_NUM_PROCESSORS: String(facts.slots),
    LSB_BATCH_JID: facts.index > 0 ? `${facts.jobId}[${facts.index}]` : String(facts.jobId),
    LSB_EFFECTIVE_RSRCREQ: `select[type == any]${gpuReq}`,
  };
  if (name !== undefined) out.LSB_JOBNAME = name;
  if (facts.partition !== undefined) out.LSB_QUEUE = facts.partition;
  if (facts.submitDir !== undefined) {
    out.LS_SUBCWD = facts.submitDir;
    out.LS_EXECCWD = facts.submitDir;
  }
  if (facts.submitHost !== undefined) out.LSB_SUB_HOST = facts.submitHost;
  if (facts.cluster !== undefined) out.LSB_EXEC_CLUSTER = facts.cluster;
  if (facts.user !== undefined) out.LSB_JOB_EXECUSER = facts.user;
  if (facts.interactive) out.LSB_INTERACTIVE = 'Y';
  if (facts.gpus.length > 0) out.CUDA_VISIBLE_DEVICES = facts.gpus.join(',');
  if (opts.tmpdir !== undefined) out.TMPDIR = opts.tmpdir;
  return out;
}

/** ENV with the contract applied: every contract name (and TMPDIR when it has one) dropped, then its values set. */
export function withLsbContract(env: Env, contract: LsbContract): Record<string, string> {
  const drop = new Set<string>(LSB_CONTRACT_NAMES);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !drop.has(k)) out[k] = v;
  for (const [k, v] of Object.entries(contract)) if (v !== undefined) out[k] = v;
  return out;
}
