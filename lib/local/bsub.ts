import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Subcommand, SubcommandContext } from '../kernel/subcommand.js';
import { variableWarnings } from '../request/hints.js';
import { applyEnvOption, BSUB_USAGE, type BsubArgs, parseJobName } from '../scheduler/lsf/bsub-options.js';
import { type AppSpec, formatAppSpecs } from '../scheduler/lsf/esub-protocol.js';
import { esubOrder, runEsubs } from '../scheduler/lsf/esub-runner.js';
import { parametersOf, submissionFrom } from '../scheduler/lsf/submission.js';
import { defaultJobName, readStdin, readSubmission, type StdinSource } from './bsub-input.js';
import { DEFAULT_QUEUE, jobRecords } from './bsub-records.js';
import { binDir, err, type Local, openLocal, out, shortHost } from './context.js';
import { runInteractive } from './interactive.js';
import { waitForJob } from './wait.js';
import { ensureDispatcher } from './wake.js';

/**
 * What one bsub reads and writes besides its argv: this process's (the CLI), or those of a bsub
 * the dispatcher serves for the compiled client (submit-server.ts), which also says ACCEPT before
 * anything is written and declines what it does not serve (the client then runs this CLI).
 */
export interface BsubIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdin: StdinSource;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Wakes the dispatcher (starting one when none listens) once the records are written. */
  wake: (local: Local, configPath: string | undefined) => void;
  /** Served by the dispatcher: whether it takes this submission (false: nothing done, the CLI runs it). */
  accept?: (args: BsubArgs, apps: AppSpec[]) => boolean;
}

/** The CLI's: this process's environment, working directory and descriptors. */
export const processIo = (): BsubIo => ({
  env: process.env,
  cwd: process.cwd(),
  stdin: {
    get isTTY() {
      return process.stdin.isTTY === true; // process.stdin made only when bsub looks for a script there
    },
    read: readStdin,
  },
  out,
  err,
  wake: (local, configPath) => ensureDispatcher(local.dirs, configPath, local.home),
});

/** bsubWith's answer when IO.accept declined: nothing was done. */
export const DECLINED = 'declined';

/**
 * bsub: the submission (command line, and a job script's #BSUB lines), LSF's esubs, one record per
 * element; then the dispatcher is woken (started when none listens) and bsub returns, or waits
 * (-K), or runs the job on this terminal (-I*).
 */
export const bsub: Subcommand = async (argv, ctx) => bsubWith(argv, ctx, processIo()) as Promise<number>;

export async function bsubWith(
  argv: string[],
  ctx: SubcommandContext,
  io: BsubIo,
): Promise<number | typeof DECLINED> {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    io.out(`${BSUB_USAGE}\n`);
    return 0;
  }
  const { args: args0, script } = readSubmission(argv, io.cwd, io.stdin);
  if (args0.jobName) parseJobName(args0.jobName);
  const apps = esubOrder(args0.apps, io.env.LSB_ESUB_METHOD, existsSync(join(binDir(), 'esub')));
  if (io.accept && !io.accept(args0, apps)) return DECLINED;
  for (const warning of variableWarnings(io.env)) io.err(`${warning}\n`);
  const local = openLocal(ctx.config);
  const { args, env } = await throughEsubs(args0, apps, local, ctx, io);
  const name = defaultJobName(args, script);
  const { records, lock } = jobRecords(args, local, { submitCwd: io.cwd, env, configPath: ctx.config, name });
  const { id, queue } = records[0]!;
  const say = args.interactive ? io.err : io.out;
  say(`Job <${id}> is submitted to ${queue === DEFAULT_QUEUE ? 'default queue' : 'queue'} <${queue}>.\n`);
  if (lock) return runInteractive(local, records[0]!, lock);
  io.wake(local, ctx.config);
  if (!args.wait) return 0;
  return waitForJob(
    local,
    id,
    records.map((r) => r.index),
  );
}

/** The esubs, in LSF's order, through the protocol files: the submission and environment they leave. */
async function throughEsubs(
  args0: BsubArgs,
  apps: AppSpec[],
  local: Local,
  ctx: SubcommandContext,
  io: BsubIo,
) {
  const submitEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined) submitEnv[k] = v;
  const esubbed = await runEsubs({
    apps,
    esubDir: binDir(),
    scratchRoot: local.dirs.user,
    config: ctx.config,
    inProcess: ctx.esubs,
    parm: parametersOf(args0, shortHost(), submitEnv),
    env: submitEnv,
    stderr: io.err,
  });
  const args = submissionFrom(esubbed.parm, args0);
  if (apps.length > 0 && args0.apps.length > 0) esubbed.parm.set('LSB_SUB_ADDITIONAL', formatAppSpecs(apps));
  return { args, env: applyEnvOption(esubbed.env, args.env) };
}
