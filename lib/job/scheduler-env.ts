import type { Config } from '../config/schema.js';
import { ensureJobTmpdir, type JobTmpdir, type TmpdirOwner } from '../host/job-tmpdir.js';
import type { Logger } from '../kernel/log/logger.js';
import {
  type SchedulerJob,
  schedulerJobOf,
  slurmFactsOf,
  slurmJobEnvironment,
} from '../request/scheduler-facts.js';
import { jobTmpdirIn } from '../scheduler/lsf/facts.js';

/** The environment docker_run decides a job from, and what its scheduler said directly. */
export interface JobEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  /** A Slurm job's slots, tmpdir name and ids (undefined under LSF or outside a scheduler). */
  scheduler?: SchedulerJob;
  /** The job tmpdir docker_run made for a Slurm job (removed after the job). */
  tmpdir?: JobTmpdir;
}

/**
 * LSF's environment is used as given. A Slurm job's gets the LSB_* contract made from Slurm's
 * facts; with MAKE_TMPDIR (a real run, not a dry run) its job tmpdir is made first under
 * [paths] job_tmp_root, as LSF would have made it. A tmpdir that cannot be made is a warning:
 * the job runs with Slurm's TMPDIR.
 */
export function jobEnvironmentOf(
  env: Readonly<Record<string, string | undefined>>,
  ctx: { config: Config; owner: () => TmpdirOwner; makeTmpdir: boolean; log: Logger },
): JobEnvironment {
  const facts = slurmFactsOf(env);
  if (!facts) return { env };
  const scheduler = schedulerJobOf(facts);
  const path = jobTmpdirIn(ctx.config.paths.jobTmpRoot, scheduler.tmpdirName);
  if (!ctx.makeTmpdir) return { env: slurmJobEnvironment(env, facts, path), scheduler };
  const made = ensureJobTmpdir(path, ctx.owner());
  if ('problem' in made) {
    ctx.log.warning(`job tmpdir ${path} ${made.problem}: the job runs without one`);
    return { env: slurmJobEnvironment(env, facts), scheduler };
  }
  ctx.log.debug(
    `job tmpdir ${path} ${made.made ? 'made' : 'already there'} for Slurm job ${facts.slurmJobId}`,
  );
  return { env: slurmJobEnvironment(env, facts, path), scheduler, tmpdir: made };
}
