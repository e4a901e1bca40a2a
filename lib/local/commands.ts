import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { hostGpuIndexes } from '../host/gpus.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { usageError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { SIGNAL_NUMBERS, signalNumber } from '../kernel/signals.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { formatAppSpecs } from '../scheduler/lsf/esub-protocol.js';
import { terminate } from '../scheduler/lsf/terminate.js';
import {
  applyEnvOption,
  BSUB_USAGE,
  type BsubArgs,
  parseBsubArgs,
  parseGpuCount,
  parseJobName,
  parseLimit,
  parseResReq,
} from './bsub-args.js';
import { esubOrder, runEsubs } from './esubs.js';
import { isLocked, release, tryLock } from './lock.js';
import {
  type JobRecord,
  jobLabel,
  jobPaths,
  listRecords,
  readRecord,
  updateRecord,
  writeRecord,
} from './record.js';
import { renderBjobsLong, renderBjobsTable } from './report.js';
import { alive, olderJobWaiting, runElement, shortHost } from './run-element.js';
import { allocateJobId, closedFlag, prepareState, type StateDirs, stateDirs, writeAtomic } from './state.js';

const DEFAULT_QUEUE = 'normal';
const PROFILES = new Set(['docker', 'docker_build', 'docker_exec']);
/** bjobs -a shows finished jobs for this long (LSF's CLEAN_PERIOD). */
const CLEAN_PERIOD_MS = 3600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text);

/** The bin/ directory of the running lsf-docker: where its esubs and job starters are. */
function binDir(): string {
  return dirname(realpathSync(process.argv[1]!));
}

interface Local {
  config: Config;
  configPath?: string;
  dirs: StateDirs;
  uid: number;
  user: string;
  home: string;
}

function openLocal(configPath: string | undefined): Local {
  const { config } = loadConfig(configPath, { euid: process.geteuid!() });
  const identity = identityFromOs();
  const dirs = prepareState(
    stateDirs(config, identity.uid, identity.home),
    identity.uid,
    config.local.stateDir !== undefined,
  );
  return { config, configPath, dirs, uid: identity.uid, user: identity.user, home: identity.home };
}

/** The LSB_SUB_* parameters of a submission, as the esubs read them. */
function parametersOf(args: BsubArgs): Map<string, string> {
  const p = new Map<string, string>();
  const set = (k: string, v: string | undefined) => v !== undefined && p.set(k, v);
  set('LSB_SUB_QUEUE', args.queue);
  set('LSB_SUB_APP_NAME', args.app);
  set('LSB_SUB_USER_GROUP', args.group);
  set('LSB_SUB_JOB_NAME', args.jobName);
  set('LSB_SUB_OUT_FILE', args.out?.path);
  if (args.out?.overwrite) p.set('LSB_SUB2_OVERWRITE_OUT_FILE', 'Y');
  set('LSB_SUB_ERR_FILE', args.err?.path);
  if (args.err?.overwrite) p.set('LSB_SUB2_OVERWRITE_ERR_FILE', 'Y');
  if (args.resReq.length) p.set('LSB_SUB_RES_REQ', args.resReq.join(' '));
  p.set('LSB_SUB_NUM_PROCESSORS', String(args.slots));
  p.set('LSB_SUB_MAX_NUM_PROCESSORS', String(args.slots));
  if (args.memLimit !== undefined) {
    const bytes = parseLimit(args.memLimit, 'KB');
    if (bytes === undefined)
      throw usageError(`bsub -M "${args.memLimit}": not a memory limit (e.g. 4096, 4G, 512MB)`);
    p.set('LSB_SUB_RLIMIT_RSS', String(Math.ceil(bytes / 1024)));
  }
  if (args.interactive) p.set('LSB_SUB_INTERACTIVE', 'Y');
  if (args.interactive === 'Ip') p.set('LSB_SUB_PTY', 'Y');
  if (args.interactive === 'Is') {
    p.set('LSB_SUB_PTY', 'Y');
    p.set('LSB_SUB_PTY_SHELL', 'Y');
  }
  set('LSB_SUB4_GPU_REQ', args.gpu);
  set('LSB_SUB_CWD', args.cwd);
  if (args.apps.length) p.set('LSB_SUB_ADDITIONAL', args.apps.join(' '));
  if ((process.env.LSB_SUB_COMMANDNAME ?? '').toUpperCase() === 'Y')
    p.set('LSB_SUB_COMMAND_LINE', args.command.join(' '));
  p.set('LSB_SUB_HOST', shortHost());
  return p;
}

/** Reads a submission back from the parameters the esubs may have changed. */
function submissionFrom(parm: Map<string, string>, args: BsubArgs): BsubArgs {
  const rss = parm.get('LSB_SUB_RLIMIT_RSS');
  const n = parm.get('LSB_SUB_NUM_PROCESSORS');
  const outPath = parm.get('LSB_SUB_OUT_FILE');
  const errPath = parm.get('LSB_SUB_ERR_FILE');
  const line = parm.get('LSB_SUB_COMMAND_LINE');
  return {
    ...args,
    queue: parm.get('LSB_SUB_QUEUE'),
    app: parm.get('LSB_SUB_APP_NAME'),
    group: parm.get('LSB_SUB_USER_GROUP'),
    jobName: parm.get('LSB_SUB_JOB_NAME'),
    out: outPath ? { path: outPath, overwrite: parm.get('LSB_SUB2_OVERWRITE_OUT_FILE') === 'Y' } : undefined,
    err: errPath ? { path: errPath, overwrite: parm.get('LSB_SUB2_OVERWRITE_ERR_FILE') === 'Y' } : undefined,
    resReq: parm.get('LSB_SUB_RES_REQ') ? [parm.get('LSB_SUB_RES_REQ')!] : [],
    slots: n && /^\d+$/.test(n) && Number(n) > 0 ? Number(n) : args.slots,
    memLimit: rss && /^\d+$/.test(rss) ? rss : undefined,
    gpu: parm.get('LSB_SUB4_GPU_REQ'),
    cwd: parm.get('LSB_SUB_CWD'),
    command: line !== undefined && line !== args.command.join(' ') ? [line] : args.command,
  };
}

export const bsub: Subcommand = async (argv, ctx) => {
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
    out(`${BSUB_USAGE}\n`);
    return 0;
  }
  const args0 = parseBsubArgs(argv);
  if (args0.supervise) return supervise(args0.supervise, ctx.config);
  if (args0.command.length === 0) throw usageError(`bsub: no command given\n${BSUB_USAGE}`);
  if (args0.jobName) parseJobName(args0.jobName);
  const local = openLocal(ctx.config);
  const submitCwd = process.cwd();

  // The esubs, in LSF's order, through the protocol files.
  const submitEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) submitEnv[k] = v;
  const apps = esubOrder(args0.apps, submitEnv.LSB_ESUB_METHOD, existsSync(join(binDir(), 'esub')));
  const esubbed = runEsubs({
    apps,
    esubDir: binDir(),
    scratchRoot: local.dirs.user,
    config: ctx.config,
    parm: parametersOf(args0),
    env: submitEnv,
  });
  const args = submissionFrom(esubbed.parm, args0);
  if (apps.length > 0 && args0.apps.length > 0) esubbed.parm.set('LSB_SUB_ADDITIONAL', formatAppSpecs(apps));

  // What the host can give.
  const app = args.app;
  if (app !== undefined && !PROFILES.has(app)) {
    throw usageError(
      `${app}: Application profile does not exist (known here: ${[...PROFILES].join(', ')}). Job not submitted.`,
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
  const nameSpec = args.jobName ? parseJobName(args.jobName) : { name: args.command.join(' ') };
  if (args.interactive && nameSpec.indexes)
    throw usageError('bsub: an interactive job cannot be a job array');
  const cwd = args.cwd ? resolve(submitCwd, args.cwd) : submitCwd;
  const jobEnv = applyEnvOption(esubbed.env, args.env);
  const queue = args.queue ?? DEFAULT_QUEUE;

  const id = allocateJobId(local.dirs, local.uid);
  const indexes = nameSpec.indexes ?? [0];
  const records: JobRecord[] = indexes.map((index) => ({
    id,
    index,
    name: index > 0 ? `${nameSpec.name}[${index}]` : nameSpec.name,
    user: local.user,
    uid: local.uid,
    home: local.home,
    queue,
    app,
    group: args.group,
    command: args.command.join(' '),
    words: args.command,
    submitHost: shortHost(),
    submitTime: Date.now(),
    subcwd: submitCwd,
    cwd,
    out: args.out,
    err: args.err,
    interactive: args.interactive,
    slots: args.slots,
    memLimit,
    resReq: args.resReq.length ? args.resReq.join(' ') : undefined,
    ports: res.ports,
    gpus,
    config: ctx.config ? resolve(submitCwd, ctx.config) : undefined,
    status: 'PEND',
  }));
  for (const r of records) {
    writeFileSync(jobPaths(local.dirs, id, r.index).env, JSON.stringify(jobEnv), { mode: 0o600 });
    writeRecord(local.dirs, r);
  }
  const say = args.interactive ? err : out;
  say(`Job <${id}> is submitted to ${queue === DEFAULT_QUEUE ? 'default queue' : 'queue'} <${queue}>.\n`);

  if (args.interactive) {
    const finished = new Set<string>();
    const status = await runElement(records[0]!, local.config, {
      dirs: local.dirs,
      binDir: binDir(),
      interactive: true,
      mayDispatch: () => !olderJobWaiting(local.dirs, id, finished),
      onWaiting: () => err('<<Waiting for dispatch ...>>\n'),
      onStart: (host) => err(`<<Starting on ${host}>>\n`),
    });
    return status ?? ExitCode.INTERNAL;
  }
  startSupervisor(local, records[0]!);
  if (!args.wait) return 0;
  return waitForJob(local, id, indexes);
};

function startSupervisor(local: Local, record: JobRecord): void {
  const paths = jobPaths(local.dirs, record.id, record.index);
  const log = openSync(paths.log, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      realpathSync(process.argv[1]!),
      ...(record.config ? ['--config', record.config] : []),
      'bsub',
      `--lsf-docker-supervise=${record.id}`,
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: '/',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: local.home,
        LANG: 'C.UTF-8',
      },
    },
  );
  child.unref();
}

/**
 * The detached supervisor of one job (bsub --lsf-docker-supervise=JOBID): runs its pending
 * elements, dispatching them in index order (and after the user's older waiting jobs).
 */
async function supervise(jobText: string, configPath: string | undefined): Promise<number> {
  if (!/^\d{1,10}$/.test(jobText)) throw usageError(`--lsf-docker-supervise: "${jobText}" is not a job id`);
  const id = Number(jobText);
  const local = openLocal(configPath);
  const elements = listRecords(local.dirs).filter((r) => r.id === id && r.status === 'PEND');
  const gone = new Set<number>();
  const finished = new Set<string>();
  await Promise.all(
    elements.map((record, i) =>
      runElement(record, local.config, {
        dirs: local.dirs,
        binDir: binDir(),
        interactive: false,
        mayDispatch: () =>
          elements.every((_, j) => j >= i || gone.has(j)) && !olderJobWaiting(local.dirs, id, finished),
        leftQueue: () => gone.add(i),
      }),
    ),
  );
  return 0;
}

/**
 * bsub -K: waits for every element, then exits with the job's status (the first failing
 * element's). Once a second it repairs what a dead supervisor left (so -K never waits forever),
 * and a job that could not start says why.
 */
async function waitForJob(local: Local, id: number, indexes: number[]): Promise<number> {
  err('<<Waiting for dispatch ...>>\n');
  let started = false;
  for (let poll = 1; ; poll++) {
    let records = indexes
      .map((i) => readRecord(jobPaths(local.dirs, id, i).record))
      .filter((r): r is JobRecord => !!r);
    if (poll % 5 === 0) records = recover(local, records);
    if (!started && records.some((r) => r.status !== 'PEND' && r.execHost)) {
      started = true;
      err(`<<Starting on ${records.find((r) => r.execHost)!.execHost}>>\n`);
    }
    if (records.every((r) => r.status === 'DONE' || r.status === 'EXIT')) {
      for (const r of records)
        if (r.status === 'EXIT' && r.exitReason && !r.exitReason.startsWith('TERM_OWNER'))
          err(`lsf-docker: job ${jobLabel(r)}: ${r.exitReason}\n`);
      err('<<Job is finished>>\n');
      const failed = records.find((r) => r.exitCode !== 0);
      return failed ? (failed.exitCode ?? 255) : 0;
    }
    await sleep(200);
  }
}

/**
 * Repairs what dead supervisors left: a PEND element nobody holds gets a new supervisor (the
 * element lock makes a double start impossible); a RUN element nobody holds ended unrecorded.
 */
function recover(local: Local, records: JobRecord[]): JobRecord[] {
  const restarted = new Set<number>();
  return records.map((r) => {
    if (r.status !== 'PEND' && r.status !== 'RUN') return r;
    if (alive(r.supervisorPid) && r.supervisorPid !== process.pid) return r;
    const paths = jobPaths(local.dirs, r.id, r.index);
    if (Date.now() - r.submitTime < 2000 && r.status === 'PEND') return r;
    if (isLocked(paths.lock)) return r;
    if (r.interactive) {
      return updateRecord(local.dirs, r.id, r.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitReason: 'the submitting bsub ended',
      });
    }
    if (r.status === 'PEND') {
      if (!restarted.has(r.id)) startSupervisor(local, r);
      restarted.add(r.id);
      return r;
    }
    const lock = tryLock(paths.lock, 0o600);
    if (!lock) return r;
    try {
      const now = readRecord(paths.record);
      if (now?.status !== 'RUN') return now ?? r;
      return updateRecord(local.dirs, r.id, r.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitReason: 'its supervisor died; the exit status is unknown',
      });
    } finally {
      release(lock);
    }
  });
}

/** Job ids on the command line: 123 (every element) or 123[4]. */
function parseJobIds(words: string[]): Array<{ id: number; index?: number }> {
  return words.map((w) => {
    const m = /^(\d{1,10})(?:\[(\d{1,9})\])?$/.exec(w);
    if (!m) throw usageError(`${w}: not a job id (123 or 123[4])`);
    return { id: Number(m[1]), index: m[2] === undefined ? undefined : Number(m[2]) };
  });
}

const matches = (r: JobRecord, ids: Array<{ id: number; index?: number }>) =>
  ids.some((j) => j.id === r.id && (j.index === undefined || j.index === r.index));

export const bjobs: Subcommand = async (argv, ctx) => {
  let all = false;
  let long = false;
  const ids: string[] = [];
  for (const w of argv) {
    if (w === '-a') all = true;
    else if (w === '-l') long = true;
    else if (w === '-al' || w === '-la') all = long = true;
    else if (w.startsWith('-')) throw usageError(`bjobs: unknown option ${w} (-a, -l, JOBID...)`);
    else ids.push(w);
  }
  const wanted = parseJobIds(ids);
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  let shown: JobRecord[];
  let status = 0;
  if (wanted.length > 0) {
    shown = records.filter((r) => matches(r, wanted));
    for (const j of wanted) {
      if (!shown.some((r) => r.id === j.id && (j.index === undefined || r.index === j.index))) {
        err(`Job <${j.index !== undefined ? `${j.id}[${j.index}]` : j.id}> is not found\n`);
        status = 255;
      }
    }
  } else {
    const recent = Date.now() - CLEAN_PERIOD_MS;
    shown = records.filter(
      (r) => r.status === 'PEND' || r.status === 'RUN' || (all && (r.endTime ?? 0) >= recent),
    );
    if (shown.length === 0) {
      err(all ? 'No job found\n' : 'No unfinished job found\n');
      return 255;
    }
  }
  if (shown.length === 0) return status;
  if (long)
    out(
      shown
        .map(renderBjobsLong)
        .join('------------------------------------------------------------------------------\n'),
    );
  else out(renderBjobsTable(shown));
  return status;
};

export const bkill: Subcommand = async (argv, ctx) => {
  let signal: string | undefined;
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-s') {
      const v = argv[++i];
      if (!v) throw usageError('bkill -s needs a signal (e.g. KILL, TERM, 9)');
      signal = signalName(v);
    } else if (w.startsWith('-')) throw usageError(`bkill: unknown option ${w} (-s SIG, JOBID...)`);
    else ids.push(w);
  }
  if (ids.length === 0) throw usageError('bkill: give a job id (or 0 for all your jobs)');
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  const everyJob = ids.includes('0');
  const wanted = everyJob ? [] : parseJobIds(ids);
  const targets = records.filter((r) =>
    everyJob ? r.status === 'PEND' || r.status === 'RUN' : matches(r, wanted),
  );
  let status = 0;
  if (!everyJob) {
    for (const j of wanted) {
      if (!targets.some((r) => r.id === j.id && (j.index === undefined || r.index === j.index))) {
        err(`Job <${j.index !== undefined ? `${j.id}[${j.index}]` : j.id}>: No matching job found\n`);
        status = 255;
      }
    }
  }
  const labels = new Set<string>();
  for (const r of targets) {
    const label =
      r.index > 0 && !everyJob && wanted.some((j) => j.index !== undefined) ? jobLabel(r) : String(r.id);
    if (r.status === 'DONE' || r.status === 'EXIT') {
      if (!labels.has(label)) err(`Job <${label}>: Job has already finished\n`);
      labels.add(label);
      status = 255;
      continue;
    }
    await killElement(local, r, signal);
    if (!labels.has(label)) out(`Job <${label}> is being ${signal ? 'signaled' : 'terminated'}\n`);
    labels.add(label);
  }
  return status;
};

function signalName(text: string): string {
  const upper = text.toUpperCase();
  if (/^\d+$/.test(upper)) {
    const name = Object.entries(SIGNAL_NUMBERS).find(([, n]) => n === Number(upper))?.[0];
    if (name) return name;
  } else {
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (signalNumber(name) !== undefined) return name;
  }
  throw usageError(
    `bkill -s ${text}: not a signal this host knows (HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP)`,
  );
}

/** Hands the kill to the element's supervisor (request file), or does it here when the supervisor is gone. */
async function killElement(local: Local, r: JobRecord, signal: string | undefined): Promise<void> {
  const paths = jobPaths(local.dirs, r.id, r.index);
  if (alive(r.supervisorPid) || (r.status === 'PEND' && Date.now() - r.submitTime < 2000)) {
    writeAtomic(paths.kill, `${signal ?? 'TERMINATE'}\n`);
    return;
  }
  if (r.status === 'PEND') {
    const lock = tryLock(paths.lock, 0o600);
    if (!lock) {
      writeAtomic(paths.kill, `${signal ?? 'TERMINATE'}\n`);
      return;
    }
    try {
      updateRecord(local.dirs, r.id, r.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitReason: 'TERM_OWNER: job killed by owner while pending',
      });
    } finally {
      release(lock);
    }
    return;
  }
  // A running job whose supervisor died: signal its process group from here.
  if (!r.jobPid) return;
  const send = (s: string) => {
    try {
      process.kill(r.interactive ? r.jobPid! : -r.jobPid!, s as NodeJS.Signals);
    } catch {
      // gone
    }
  };
  if (signal) return send(signal);
  await terminate(send, local.config.job.terminateInterval);
}

export const bpeek: Subcommand = async (argv, ctx) => {
  const local = openLocal(ctx.config);
  const records = recover(local, listRecords(local.dirs));
  const ids = parseJobIds(argv.filter((w) => !w.startsWith('-')));
  const unknown = argv.find((w) => w.startsWith('-'));
  if (unknown) throw usageError(`bpeek: unknown option ${unknown} (bpeek [JOBID])`);
  const candidates = ids.length
    ? records.filter((r) => matches(r, ids))
    : records.filter((r) => r.status === 'RUN');
  const r = candidates.at(-1);
  if (!r) {
    err(ids.length ? `Job <${argv.join(' ')}> is not found\n` : 'No unfinished job found\n');
    return 255;
  }
  if (r.status === 'PEND') {
    err(`Job <${jobLabel(r)}> : Not yet started.\n`);
    return 255;
  }
  out('<< output from stdout >>\n');
  try {
    out(readFileSync(jobPaths(local.dirs, r.id, r.index).out, 'utf8'));
  } catch {
    // no output yet, or delivered to the -o file and removed
  }
  return 0;
};

export const badmin: Subcommand = async (argv, ctx) => {
  const [action, host] = argv;
  if (action !== 'hclose' && action !== 'hopen') throw usageError('badmin: hclose [HOST] | hopen [HOST]');
  if (host !== undefined && host !== shortHost() && host !== 'all')
    throw usageError(`badmin ${action}: ${host} is not this host (${shortHost()})`);
  const local = openLocal(ctx.config);
  const flag = closedFlag(local.dirs);
  if (action === 'hclose') {
    if (!existsSync(flag))
      writeFileSync(flag, `closed by uid ${local.uid} at ${new Date().toISOString()}\n`, { mode: 0o644 });
    out(`Close <${shortHost()}> ...... done\n`);
  } else {
    try {
      rmSync(flag, { force: true });
    } catch (e) {
      throw new WrapperError(
        ExitCode.USAGE,
        `badmin hopen: ${flag}: ${(e as Error).message} (only the user who closed the host, or root, can open it)`,
      );
    }
    out(`Open <${shortHost()}> ...... done\n`);
  }
  return 0;
};
