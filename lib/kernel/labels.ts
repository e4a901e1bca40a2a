/**
 * The labels lsf-docker puts on every container it starts, one table. They are hints for finding
 * a job's container (docker_exec, sweep, the local bkill), never proof of ownership: whoever can
 * reach the runtime can set them. Runtime-neutral: each runtime writes its own filter syntax.
 */
export const LABEL = {
  /** 'true' on every container lsf-docker started. */
  managed: 'lsf-docker.managed',
  /** The scheduler's job id ('' outside a scheduler). */
  job: 'lsf-docker.job',
  /** The array index (0 for a plain job). */
  index: 'lsf-docker.index',
  /** The uid the job runs as. */
  uid: 'lsf-docker.uid',
  /** The host the wrapper ran on. */
  host: 'lsf-docker.host',
  /** The wrapper's pid (its liveness tells sweep whether the container is an orphan). */
  pid: 'lsf-docker.pid',
  /** The wrapper's private dir for the job. */
  dir: 'lsf-docker.dir',
  /** The admin profile ([profile NAME]) the job ran with; absent without one. */
  profile: 'lsf-docker.profile',
  /** A Slurm job's own id and cluster, ID@CLUSTER: sweep asks Slurm whether the job still exists. */
  slurm: 'lsf-docker.slurm',
} as const;

export type LabelName = keyof typeof LABEL;
export const MANAGED_VALUE = 'true';

/** The labels of one job's container, in the order docker_run has always written them. */
export function jobLabels(job: {
  id?: number | string;
  index: number;
  uid: number;
  host: string;
  pid: number;
  slurm?: { jobId: number; cluster?: string };
}): Array<[string, string]> {
  return [
    [LABEL.managed, MANAGED_VALUE],
    [LABEL.job, job.id !== undefined ? String(job.id) : ''],
    [LABEL.index, String(job.index)],
    [LABEL.uid, String(job.uid)],
    [LABEL.host, job.host],
    [LABEL.pid, String(job.pid)],
    ...(job.slurm ? [[LABEL.slurm, slurmLabel(job.slurm)] as [string, string]] : []),
  ];
}

/** The lsf-docker.slurm label's value: ID@CLUSTER (ID@ when the cluster is not known). */
export const slurmLabel = (job: { jobId: number; cluster?: string }) => `${job.jobId}@${job.cluster ?? ''}`;

/** The lsf-docker.slurm label read back; undefined when it is not ID@CLUSTER. */
export function parseSlurmLabel(value: string | undefined): { jobId: number; cluster?: string } | undefined {
  const m = /^(\d{1,19})@([A-Za-z0-9_.-]{0,64})$/.exec(value ?? '');
  return m ? { jobId: Number(m[1]), cluster: m[2] || undefined } : undefined;
}
