import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from '../kernel/errors.js';
import type { Subcommand, SubcommandContext } from '../kernel/subcommand.js';
import { applyEnvOption, BSUB_USAGE, type BsubArgs, parseBsubArgs } from '../scheduler/lsf/bsub-options.js';
import { formatAppSpecs } from '../scheduler/lsf/esub-protocol.js';
import { esubOrder, runEsubs } from '../scheduler/lsf/esub-runner.js';
import { parametersOf, submissionFrom } from '../scheduler/lsf/submission.js';
import { renderExportFile } from '../scheduler/slurm/job-env.js';
import { planSubmission } from '../scheduler/slurm/submit.js';
import { binDir, openSlurm, out, type SlurmSide, shortHost } from './context.js';
import { runInteractive } from './interactive.js';
import { jobEnvironment, refuseUnmapped, requestOf, starterOf } from './submission.js';
import { waitForSlurmJob } from './wait.js';

/** The esubs, in LSF's order, through the protocol files (as the local LSF runs them). */
async function throughEsubs(args0: BsubArgs, side: SlurmSide, ctx: SubcommandContext) {
  const submitEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) submitEnv[k] = v;
  const esubDir = binDir();
  const apps = esubOrder(args0.apps, submitEnv.LSB_ESUB_METHOD, existsSync(join(esubDir, 'esub')));
  const esubbed = await runEsubs({
    apps,
    esubDir,
    scratchRoot: side.config.paths.tmpRoot,
    config: ctx.config,
    inProcess: ctx.esubs,
    parm: parametersOf(args0, shortHost()),
    env: submitEnv,
  });
  const args = submissionFrom(esubbed.parm, args0);
  if (apps.length > 0 && args0.apps.length > 0) esubbed.parm.set('LSB_SUB_ADDITIONAL', formatAppSpecs(apps));
  return { args, env: applyEnvOption(esubbed.env, args.env) };
}

/** The partition Slurm put job ID in (when neither -q nor [slurm] partition named one). */
async function partitionOf(side: SlurmSide, id: number): Promise<string> {
  try {
    return (await side.client.squeue()).records.find((r) => r.id === id)?.partition || 'default';
  } catch {
    return 'default';
  }
}

/**
 * bsub on Slurm: the same esubs as the local LSF, then sbatch as the user with the job's
 * environment on fd 3 and a batch script that execs the job starter (srun over several nodes);
 * -I runs srun with the terminal; -K waits through squeue.
 */
export const bsub: Subcommand = async (argv, ctx) => {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    out(`${BSUB_USAGE}\n`);
    return 0;
  }
  const args0 = parseBsubArgs(argv);
  refuseUnmapped(args0);
  if (args0.command.length === 0) throw usageError(`bsub: no command given\n${BSUB_USAGE}`);
  const side = openSlurm(ctx.config);
  side.client.checkConf();
  const submitCwd = process.cwd();
  const { args, env } = await throughEsubs(args0, side, ctx);
  const { slurm } = side.config;
  const plan = planSubmission(requestOf(args, submitCwd), {
    starter: starterOf(args.app, {
      binDir: binDir(),
      config: ctx.config ? resolve(ctx.config) : undefined,
      mode: slurm.starter,
    }),
    defaultPartition: slurm.partition,
    defaultOutput: slurm.defaultOutput,
    sbatch: side.client.program('sbatch'),
    srun: side.client.program('srun'),
    maxArrayIndex: slurm.maxArrayIndex,
  });
  if (plan.kind === 'refused') throw usageError(plan.message);
  if (plan.kind === 'interactive') {
    const partition = plan.partition ?? (await side.client.defaultPartition().catch(() => undefined));
    return runInteractive(side, plan.srunArgv, jobEnvironment(env, { LSB_JOBNAME: plan.name }), partition);
  }
  const exportFile = renderExportFile(jobEnvironment(env, plan.exportVariables));
  const id = await side.client.sbatch(plan.sbatchArgv, plan.script, exportFile, submitCwd);
  out(`Job <${id}> is submitted to queue <${plan.partition ?? (await partitionOf(side, id))}>.\n`);
  return args.wait ? waitForSlurmJob(side, id) : 0;
};
