/**
 * The LSF contract a container sees on Slurm: the LSB_* / LS_* variables lib/local/job-env.ts
 * sets for a local job, made from a Slurm job's facts. Pure.
 */
import type { Env, SlurmJobFacts } from './facts.js';
import { hostsContract } from './multinode.js';

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
