import { schedulerFailed } from '../scheduler/slurm/client.js';
import { bsubWaitStatus } from '../scheduler/slurm/states.js';
import { err, type SlurmSide, sleep } from './context.js';
import { jobLabel } from './jobs.js';

/** Polls without a record of the job before it counts as gone (Slurm forgets nothing that fast). */
const MISSING_POLLS = 5;

/**
 * bsub -K on Slurm: polls squeue every [slurm] poll_interval until every element has finished,
 * then exits with the job's status as the local LSF computes it (0, else the first failing
 * element's). `sbatch --wait` is not used: its status is not the job's (measured).
 */
export async function waitForSlurmJob(side: SlurmSide, id: number): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  let missing = 0;
  for (;;) {
    const records = (await side.client.squeue()).records.filter((r) => r.id === id);
    const running = records.find((r) => r.state !== 'PEND' && r.nodes.length > 0);
    if (!started && running) {
      started = true;
      err(`<<Starting on ${running.batchHost ?? running.nodes[0]}>>\n`);
    }
    const status = bsubWaitStatus(records);
    if (status !== undefined) {
      for (const r of records)
        if (r.state === 'EXIT' && r.exitReason && !r.exitReason.startsWith('TERM_OWNER'))
          err(`lsf-docker: job ${jobLabel(r)}: ${r.exitReason}\n`);
      err('<<Job is finished>>\n');
      return status;
    }
    missing = records.length === 0 ? missing + 1 : 0;
    if (missing >= MISSING_POLLS) throw schedulerFailed('squeue', `job ${id} is no longer known to Slurm`);
    await sleep(side.config.slurm.pollInterval * 1000);
  }
}
