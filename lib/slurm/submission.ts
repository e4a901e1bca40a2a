import { join, resolve } from 'node:path';
import { usageError } from '../kernel/errors.js';
import type { BsubArgs } from '../scheduler/lsf/bsub-options.js';
import { isJobVariable } from '../scheduler/lsf/contract.js';
import { exportEnvironment } from '../scheduler/slurm/job-env.js';
import type { BsubLikeRequest, SubmitOptions } from '../scheduler/slurm/submit.js';

/**
 * A bsub submission (after its esubs) in the Slurm adapter's terms: the request, the job starter
 * of its application profile, the job's environment. Pure.
 */

/** The largest value Slurm can hand a job: a variable of 128 KiB or more fails its start (E2BIG, measured). */
export const MAX_VALUE_BYTES = 128 * 1024 - 1;

const notSubmitted = (option: string, why: string) =>
  usageError(`bsub ${option}: ${why}. Job not submitted.`);

/** Options the local LSF knows that the Slurm back-end does not map (yet): refused, never ignored. */
const LOCAL_ONLY: Array<[string, (a: BsubArgs) => boolean]> = [
  ['-W', (a) => a.runLimit !== undefined],
  ['-w', (a) => a.dependency !== undefined],
  ['-P', (a) => a.project !== undefined],
  ['-g', (a) => a.jobGroup !== undefined],
  ['-E', (a) => a.preExec !== undefined],
  ['-Ep', (a) => a.postExec !== undefined],
  ['-B', (a) => a.mailBegin === true],
  ['-N', (a) => a.mailEnd === true],
  ['-u', (a) => a.mailUser !== undefined],
  ['-m', (a) => a.hosts !== undefined],
  ['-x', (a) => a.exclusive === true],
  ['-b', (a) => a.beginTime !== undefined],
  ['-i', (a) => a.input !== undefined],
  ['-outdir', (a) => a.outdir !== undefined],
  ['-H', (a) => a.hold === true],
  ['-tty', (a) => a.tty === true],
  ['-r', (a) => a.rerunnable === true],
];

/** bsub's options Slurm cannot map that planSubmission does not see, each refused by name. */
export function refuseUnmapped(args: BsubArgs): void {
  for (const [option, given] of LOCAL_ONLY) {
    if (given(args)) throw notSubmitted(option, 'not mapped to Slurm by lsf-docker yet');
  }
  if (args.group !== undefined)
    throw notSubmitted(
      `-G ${args.group}`,
      "LSF user groups have no Slurm equivalent (Slurm's accounts are the admin's)",
    );
}

/**
 * The job starter of the application profile (-app, or an esub's LSB_SUB_APP_NAME): docker_run
 * for docker, docker_build for docker_build, none (/bin/sh -c) without one. docker_exec is
 * refused: the target job's container is on its own node, which the submission cannot name.
 */
export function starterOf(
  app: string | undefined,
  opts: { binDir: string; config?: string; mode: 'direct' | 'sudo' },
): SubmitOptions['starter'] {
  if (app === undefined) return undefined;
  const program = app === 'docker' ? 'docker_run' : 'docker_build';
  // Through the rule as an LSF sudo-starter line: `lsf-docker sudo PROGRAM` carries the job's
  // whole environment across sudo's env_reset (lib/run/via-sudo.ts).
  if ((app === 'docker' || app === 'docker_build') && opts.mode === 'sudo')
    return { path: program, config: opts.config, prefix: [join(opts.binDir, 'lsf-docker'), 'sudo'] };
  if (app === 'docker' || app === 'docker_build')
    return { path: join(opts.binDir, program), config: opts.config, prefix: [] };
  if (app === 'docker_exec')
    throw notSubmitted(
      '-a docker_exec(...)',
      "the target job's container is on that job's node, where Slurm cannot be told to start this job (run docker_exec there)",
    );
  throw usageError(
    `${app}: Application profile does not exist (known on Slurm: docker, docker_build). Job not submitted.`,
  );
}

/**
 * The job's environment for --export-file: the submitted one without what LSF (here: docker_run
 * on the node) sets for the job itself and without Slurm's input variables, plus ADD. A value
 * Slurm could not start the job with is refused by name.
 */
export function jobEnvironment(
  env: Readonly<Record<string, string>>,
  add: Record<string, string>,
): Record<string, string> {
  const submitted: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!isJobVariable(k)) submitted[k] = v;
  const job = exportEnvironment({ ...submitted, ...add });
  for (const [k, v] of Object.entries(job)) {
    const bytes = Buffer.byteLength(v);
    if (bytes > MAX_VALUE_BYTES)
      throw usageError(
        `bsub: environment variable ${k} is ${bytes} bytes: Slurm cannot start a job with a value of 128 KiB or more. Job not submitted.`,
      );
  }
  return job;
}

/** The adapter's request: bsub's arguments, -cwd made absolute; -K is bsub's own (it polls squeue). */
export function requestOf(args: BsubArgs, submitCwd: string): BsubLikeRequest {
  return {
    command: args.command,
    jobName: args.jobName,
    output: args.out,
    error: args.err,
    slots: args.slots,
    memLimit: args.memLimit,
    resReq: args.resReq,
    gpu: args.gpu,
    queue: args.queue,
    interactive: args.interactive,
    cwd: args.cwd !== undefined ? resolve(submitCwd, args.cwd) : undefined,
  };
}
