/**
 * Which scheduler started docker_run, and what request/ takes from it rather than from LSF's
 * text. LSF hands the job its LSB_* variables; Slurm hands it SLURM_* facts, from which the same
 * LSB_* contract is made (scheduler/slurm/facts.ts), so that the rest of docker_run and the job's
 * own scripts see one contract. Pure.
 */
import { requestError } from '../kernel/errors.js';
import { lsbContractFromSlurm, withLsbContract } from '../scheduler/slurm/contract.js';
import { type Env, SlurmFactsError, type SlurmJobFacts, slurmJobFacts } from '../scheduler/slurm/facts.js';
import type { LsfJob } from './job-request.js';

export type SchedulerKind = 'lsf' | 'slurm' | 'none';

/** LSF when LSB_JOBID is set (LSF or the local LSF); Slurm when SLURM_JOB_ID is and LSB_JOBID is not; else none (a direct call). */
export function schedulerOf(env: Env): SchedulerKind {
  if (env.LSB_JOBID !== undefined && env.LSB_JOBID !== '') return 'lsf';
  if (env.SLURM_JOB_ID !== undefined && env.SLURM_JOB_ID !== '') return 'slurm';
  return 'none';
}

/** What a Slurm job tells request/ directly (LSF's text would say it wrongly: node names are not host names). */
export interface SchedulerJob {
  /** The job's CPUs on this node (SLURM_CPUS_ON_NODE): its slots here. */
  slots: number;
  /** The leaf of the job tmpdir under [paths] job_tmp_root. */
  tmpdirName: string;
  /** Slurm's own id of this job (an array task's own), and the cluster: the container's lsf-docker.slurm label. */
  slurm: { jobId: number; cluster?: string };
}

/** The Slurm job's facts, or undefined when Slurm did not start this job; a malformed SLURM_* variable is a request error naming it. */
export function slurmFactsOf(env: Env): SlurmJobFacts | undefined {
  if (schedulerOf(env) !== 'slurm') return undefined;
  try {
    return slurmJobFacts(env);
  } catch (err) {
    if (err instanceof SlurmFactsError)
      throw requestError(err.variable, err.message.slice(err.variable.length + 2));
    throw err;
  }
}

export function schedulerJobOf(facts: SlurmJobFacts): SchedulerJob {
  return {
    slots: Math.max(1, facts.cpusOnNode),
    tmpdirName: facts.tmpdirLeaf,
    slurm: { jobId: facts.slurmJobId, cluster: facts.cluster },
  };
}

/** The environment docker_run parses for a Slurm job: the LSB_* contract applied; TMPDIR only when the job tmpdir is there. */
export function slurmJobEnvironment(env: Env, facts: SlurmJobFacts, tmpdir?: string): Record<string, string> {
  return withLsbContract(env, lsbContractFromSlurm(facts, { tmpdir }));
}

/** The LSF facts of the job with what the scheduler said directly put in. */
export function withSchedulerJob(job: LsfJob, scheduler: SchedulerJob | undefined): LsfJob {
  if (!scheduler) return job;
  return { ...job, slots: scheduler.slots, tmpdirName: scheduler.tmpdirName, slurm: scheduler.slurm };
}
