import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import { parseSignal } from '../kernel/signals.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { err, openSlurm, out } from './context.js';
import { parseJobIds, userJobs } from './jobs.js';
import { planKill } from './kill-plan.js';

function bkillArgs(argv: string[]): { signal?: string; ids: string[] } {
  let signal: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-s') {
      const v = argv[++i];
      if (!v) throw usageError('bkill -s needs a signal (e.g. KILL, TERM, 9)');
      signal = parseSignal(v);
      if (!signal)
        throw usageError(
          `bkill -s ${v}: not a signal this host knows (HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP)`,
        );
    } else if (w.startsWith('-')) throw usageError(`bkill: unknown option ${w} (-s SIG, JOBID...)`);
    else ids.push(w);
  }
  if (ids.length === 0) throw usageError('bkill: give a job id (or 0 for all your jobs)');
  return { signal, ids };
}

/**
 * bkill on Slurm. Without -s the job is ended the LSF way through scancel: Slurm sends SIGCONT and
 * SIGTERM to the job's processes, docker_run relays the TERM to the container (its trap runs),
 * removes the container [job] terminate_interval seconds later if it still runs and exits; Slurm's
 * SIGKILL comes only after KillWait (lsf-docker doctor checks the margin). With -s SIG the signal
 * goes to the batch shell, which is docker_run (or srun, which hands it to every node's docker_run).
 * Existence is checked through squeue first: scancel says nothing about unknown ids.
 */
export const bkill: Subcommand = async (argv, ctx) => {
  const { signal, ids } = bkillArgs(argv);
  const side = openSlurm(ctx.config);
  const plan = planKill(await userJobs(side), ids.includes('0') ? 'all' : parseJobIds(ids));
  for (const label of plan.notFound) err(`Job <${label}>: No matching job found\n`);
  for (const label of plan.finished) err(`Job <${label}>: Job has already finished\n`);
  const status = plan.notFound.length + plan.finished.length > 0 ? Status.LSF_COMMAND_FAILED : Status.OK;
  if (plan.slurmIds.length === 0) return status;
  const how = signal ? [`--signal=${signal.replace(/^SIG/, '')}`, '--batch'] : [];
  await side.client.scancel([...how, ...plan.slurmIds]);
  for (const label of plan.killed) out(`Job <${label}> is being ${signal ? 'signaled' : 'terminated'}\n`);
  return status;
};
