import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostGpuIndexes } from '../host/gpus.js';
import { usageError } from '../kernel/errors.js';
import type { Subcommand } from '../kernel/subcommand.js';
import {
  applyEnvOption,
  BSUB_USAGE,
  type BsubArgs,
  type JobNameSpec,
  parseBsubArgs,
  parseGpuCount,
  parseJobName,
  parseResReq,
} from '../scheduler/lsf/bsub-options.js';
import { formatAppSpecs } from '../scheduler/lsf/esub-protocol.js';
import { binDir, err, type Local, openLocal, out, shortHost } from './context.js';
import { esubOrder, runEsubs } from './esubs.js';
import { runInteractive } from './interactive.js';
import { allocateJobId } from './job-id-alloc.js';
import { type HeldLock, tryLock } from './lock.js';
import { type JobRecord, jobPaths, writeRecord } from './record.js';
import { parametersOf, submissionFrom } from './submission.js';
import { waitForJob } from './wait.js';
import { ensureDispatcher } from './wake.js';

const DEFAULT_QUEUE = 'normal';
const PROFILES = new Set(['docker', 'docker_build', 'docker_exec']);

export const bsub: Subcommand = async (argv, ctx) => {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    out(`${BSUB_USAGE}\n`);
    return 0;
  }
  const args0 = parseBsubArgs(argv);
  if (args0.command.length === 0) throw usageError(`bsub: no command given\n${BSUB_USAGE}`);
  if (args0.jobName) parseJobName(args0.jobName);
  const local = openLocal(ctx.config);
  const submitCwd = process.cwd();
  const { args, env } = throughEsubs(args0, local, ctx.config);
  const { records, lock } = jobRecords(args, local, { submitCwd, env, configPath: ctx.config });
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
function throughEsubs(args0: BsubArgs, local: Local, configPath: string | undefined) {
  const submitEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) submitEnv[k] = v;
  const apps = esubOrder(args0.apps, submitEnv.LSB_ESUB_METHOD, existsSync(join(binDir(), 'esub')));
  const esubbed = runEsubs({
    apps,
    esubDir: binDir(),
    scratchRoot: local.dirs.user,
    config: configPath,
    parm: parametersOf(args0, shortHost()),
    env: submitEnv,
  });
  const args = submissionFrom(esubbed.parm, args0);
  if (apps.length > 0 && args0.apps.length > 0) esubbed.parm.set('LSB_SUB_ADDITIONAL', formatAppSpecs(apps));
  return { args, env: applyEnvOption(esubbed.env, args.env) };
}

/** What the submission asks of this host, checked against what it can give. */
function hostRequest(args: BsubArgs, local: Local) {
  if (args.app !== undefined && !PROFILES.has(args.app)) {
    throw usageError(
      `${args.app}: Application profile does not exist (known here: ${[...PROFILES].join(', ')}). Job not submitted.`,
    );
  }
  if (args.slots > local.config.local.slots) {
    throw usageError(
      `bsub -n ${args.slots}: this host has ${local.config.local.slots} slot(s) ([local] slots). Job not submitted.`,
    );
  }
  const res = parseResReq(args.resReq.join(' '));
  const gpus = args.gpu !== undefined ? parseGpuCount(args.gpu) : 0;
  const hostGpus = hostGpuIndexes(local.config.devices.gpuDevDir).length;
  if (gpus > hostGpus)
    throw usageError(`bsub -gpu "${args.gpu}": this host has ${hostGpus} GPU(s). Job not submitted.`);
  const memLimit = args.memLimit !== undefined ? Number(args.memLimit) * 1024 : res.memBytes;
  const nameSpec: JobNameSpec = args.jobName ? parseJobName(args.jobName) : { name: args.command.join(' ') };
  if (args.interactive && nameSpec.indexes)
    throw usageError('bsub: an interactive job cannot be a job array');
  return { ports: res.ports, gpus, memLimit, nameSpec };
}

/**
 * Takes a job id and writes one PEND record (and its submitted environment) per element. An
 * interactive element's lock is taken before its record exists: it is this bsub's from the start.
 */
function jobRecords(
  args: BsubArgs,
  local: Local,
  sub: { submitCwd: string; env: Record<string, string>; configPath: string | undefined },
): { records: JobRecord[]; lock?: HeldLock } {
  const { ports, gpus, memLimit, nameSpec } = hostRequest(args, local);
  const id = allocateJobId(local.dirs, local.uid);
  const base = {
    user: local.user,
    uid: local.uid,
    home: local.home,
    queue: args.queue ?? DEFAULT_QUEUE,
    app: args.app,
    group: args.group,
    command: args.command.join(' '),
    words: args.command,
    submitHost: shortHost(),
    submitTime: Date.now(),
    subcwd: sub.submitCwd,
    cwd: args.cwd ? resolve(sub.submitCwd, args.cwd) : sub.submitCwd,
    out: args.out,
    err: args.err,
    interactive: args.interactive,
    slots: args.slots,
    memLimit,
    resReq: args.resReq.length ? args.resReq.join(' ') : undefined,
    ports,
    gpus,
    config: sub.configPath ? resolve(sub.submitCwd, sub.configPath) : undefined,
    status: 'PEND' as const,
  };
  const records: JobRecord[] = (nameSpec.indexes ?? [0]).map((index) => ({
    id,
    index,
    name: index > 0 ? `${nameSpec.name}[${index}]` : nameSpec.name,
    ...base,
  }));
  const lock = args.interactive ? tryLock(jobPaths(local.dirs, id, 0).lock) : undefined;
  if (args.interactive && !lock) throw new Error(`job ${id}: its lock is taken`);
  for (const r of records) {
    writeFileSync(jobPaths(local.dirs, id, r.index).env, JSON.stringify(sub.env), { mode: 0o600 });
    writeRecord(local.dirs, r);
  }
  return { records, lock };
}
