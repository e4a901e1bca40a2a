/**
 * Whether a container's Slurm job still exists, asked of Slurm itself: a node that crashed or a
 * slurmd that was killed leaves docker_run and its container running while Slurm has ended the
 * job (NODE_FAIL) or forgotten it. `lsf-docker sweep` removes such containers even though their
 * wrapper lives. Never on doubt: a failed squeue, or a container of another cluster, keeps it.
 */
import { readFileSync } from 'node:fs';
import { LABEL, parseSlurmLabel } from '../../kernel/labels.js';
import { SlurmClient } from './client.js';
import { parseSlurmConf } from './cluster-conf.js';
import type { SlurmJobRecord } from './states.js';

/** True when Slurm's records say job ID (Slurm's own id) has ended, or do not know it any more. Pure. */
export function slurmJobEnded(records: readonly SlurmJobRecord[], slurmId: number): boolean {
  const mine = records.filter((r) => r.slurmId === slurmId);
  return mine.length === 0 || mine.every((r) => r.state === 'DONE' || r.state === 'EXIT');
}

export type JobEndedPort = (labels: Readonly<Record<string, string>>) => Promise<boolean>;

/**
 * The sweep's scheduler liveness: for a container with an lsf-docker.slurm label of CLUSTER (the
 * cluster of [slurm] conf), whether its job has ended. One squeue for the whole sweep, made only
 * when a container has the label. A problem (squeue failed, its records incomplete) is reported
 * once through PROBLEM and the answer is false.
 */
export function slurmJobEndedPort(
  client: SlurmClient,
  cluster: string | undefined,
  problem: (message: string) => void,
): JobEndedPort {
  let records: Promise<SlurmJobRecord[] | undefined> | undefined;
  const load = async () => {
    try {
      const parsed = await client.squeue();
      if (parsed.errors.length === 0 && parsed.skipped.length === 0) return parsed.records;
      problem(`squeue: ${[...parsed.errors, ...parsed.skipped].join('; ')}: Slurm's jobs not judged`);
    } catch (err) {
      problem(`${(err as Error).message}: Slurm's jobs not judged`);
    }
    return undefined;
  };
  return async (labels) => {
    const job = parseSlurmLabel(labels[LABEL.slurm]);
    if (!job) return false;
    if (job.cluster !== undefined && cluster !== undefined && job.cluster !== cluster) return false;
    records ??= load();
    const known = await records;
    return known !== undefined && slurmJobEnded(known, job.jobId);
  };
}

/** The port for the cluster of a slurm.conf ([slurm] conf, bin_dir, timeout): its ClusterName read from the file. */
export function slurmLiveness(
  opts: { conf: string; binDir?: string; timeoutSeconds: number },
  problem: (message: string) => void,
): JobEndedPort {
  let cluster: string | undefined;
  try {
    cluster = parseSlurmConf(readFileSync(opts.conf, 'utf8')).clusterName;
  } catch {
    // no readable conf: squeue will say so if a container needs it
  }
  return slurmJobEndedPort(new SlurmClient(opts), cluster, problem);
}
