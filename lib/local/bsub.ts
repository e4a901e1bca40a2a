import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Subcommand, SubcommandContext } from '../kernel/subcommand.js';
import { variableWarnings } from '../request/hints.js';
import { applyEnvOption, BSUB_USAGE, type BsubArgs, parseJobName } from '../scheduler/lsf/bsub-options.js';
import { formatAppSpecs } from '../scheduler/lsf/esub-protocol.js';
import { esubOrder, runEsubs } from '../scheduler/lsf/esub-runner.js';
import { parametersOf, submissionFrom } from '../scheduler/lsf/submission.js';
import { defaultJobName, readSubmission } from './bsub-input.js';
import { DEFAULT_QUEUE, jobRecords } from './bsub-records.js';
import { binDir, err, type Local, openLocal, out, shortHost } from './context.js';
import { runInteractive } from './interactive.js';
import { waitForJob } from './wait.js';
import { ensureDispatcher } from './wake.js';

/**
 * bsub: the submission (command line, and a job script's #BSUB lines), LSF's esubs, one record per
 * element; then the dispatcher is woken (started when none listens) and bsub returns, or waits
 * (-K), or runs the job on this terminal (-I*).
 */
export const bsub: Subcommand = async (argv, ctx) => {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    out(`${BSUB_USAGE}\n`);
    return 0;
  }
  const submitCwd = process.cwd();
  const { args: args0, script } = readSubmission(argv, submitCwd);
  if (args0.jobName) parseJobName(args0.jobName);
  for (const warning of variableWarnings(process.env)) err(`${warning}\n`);
  const local = openLocal(ctx.config);
  const { args, env } = await throughEsubs(args0, local, ctx);
  const name = defaultJobName(args, script);
  const { records, lock } = jobRecords(args, local, { submitCwd, env, configPath: ctx.config, name });
  const { id, queue } = records[0]!;
  const say = args.interactive ? err : out;
  say(`Job <${id}> is submitted to ${queue === DEFAULT_QUEUE ? 'default queue' : 'queue'} <${queue}>.\n`);
  if (lock) return runInteractive(local, records[0]!, lock);
  ensureDispatcher(local.dirs, ctx.config, local.home);
  if (!args.wait) return 0;
  return waitForJob(
    local,
    id,
    records.map((r) => r.index),
  );
};

/** The esubs, in LSF's order, through the protocol files: the submission and environment they leave. */
async function throughEsubs(args0: BsubArgs, local: Local, ctx: SubcommandContext) {
  const submitEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) submitEnv[k] = v;
  const apps = esubOrder(args0.apps, submitEnv.LSB_ESUB_METHOD, existsSync(join(binDir(), 'esub')));
  const esubbed = await runEsubs({
    apps,
    esubDir: binDir(),
    scratchRoot: local.dirs.user,
    config: ctx.config,
    inProcess: ctx.esubs,
    parm: parametersOf(args0, shortHost()),
    env: submitEnv,
  });
  const args = submissionFrom(esubbed.parm, args0);
  if (apps.length > 0 && args0.apps.length > 0) esubbed.parm.set('LSB_SUB_ADDITIONAL', formatAppSpecs(apps));
  return { args, env: applyEnvOption(esubbed.env, args.env) };
}
