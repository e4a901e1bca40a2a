import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { Status } from '../kernel/exit-codes.js';
import { exitStatus } from '../kernel/signals.js';
import { jobTmpdirName } from '../scheduler/lsf/facts.js';
import { jobFileName } from '../scheduler/lsf/job-environment.js';
import { shortHost } from './context.js';
import { buildJobEnv } from './job-env.js';
import { makeJobTmpdir } from './job-tmpdir.js';
import { watchKillRequests } from './kill-requests.js';
import { removeLeftoverContainers } from './leftovers.js';
import type { HeldLock } from './lock.js';
import { deliverOutput, outputFiles } from './output.js';
import { type JobRecord, jobPaths, updateRecord } from './record.js';
import type { Allocation } from './resources.js';
import type { RunContext } from './run-context.js';
import { launchArgv, starterArgv } from './starter.js';
import { type Usage, UsageSampler } from './usage.js';

/** Where one element runs: its host, tmpdir, job file, working directory and -o/-e files. */
interface ElementPlace {
  host: string;
  tmpdir: string;
  lsbatch: string;
  jobFile: string;
  cwd: string;
  outFile?: string;
  errFile?: string;
}

/** What running the element made, for the cleanup to remove (and only that). */
interface Made {
  opened: number[];
  tmpdir: boolean;
  jobFile: boolean;
  usage?: UsageSampler;
}

interface Ended {
  status: number;
  exitReason?: string;
}

function placeOf(record: JobRecord, config: Config): ElementPlace {
  const lsbatch = join(record.home, '.lsbatch');
  const cwd = existsSync(record.cwd) ? record.cwd : '/tmp';
  return {
    host: shortHost(),
    tmpdir: join(config.paths.jobTmpRoot, jobTmpdirName(record.id, record.index)),
    lsbatch,
    jobFile: join(lsbatch, jobFileName(record.submitTime, record.id, record.index)),
    cwd,
    ...outputFiles(record, cwd),
  };
}

/**
 * Runs an element that holds its slots, ports and GPUs, like sbatchd: marks it RUN, makes the job
 * tmpdir and the job file, runs the job starter with the job's environment, then records the end
 * and writes the -o file. Returns the job's exit status.
 */
export async function runAllocated(
  record0: JobRecord,
  config: Config,
  ctx: RunContext,
  elementLock: HeldLock,
  allocation: Allocation,
): Promise<number> {
  const paths = jobPaths(ctx.dirs, record0.id, record0.index);
  const place = placeOf(record0, config);
  let record = updateRecord(ctx.dirs, record0.id, record0.index, {
    status: 'RUN',
    startTime: Date.now(),
    execHost: place.host,
    pendReason: undefined,
    supervisorPid: process.pid,
    tmpdir: place.tmpdir,
    jobFile: place.jobFile,
  });
  ctx.onStart?.(place.host);
  const made: Made = { opened: [], tmpdir: false, jobFile: false };
  let ended: Ended;
  try {
    ended = await runJob(record, config, ctx, place, [elementLock, ...allocation.locks], allocation, made);
  } catch (err) {
    ended = { status: Status.NOT_FOUND, exitReason: `job could not start: ${(err as Error).message}` };
    process.stderr.write(`lsf-docker: job ${record.id}: ${ended.exitReason}\n`);
  } finally {
    cleanUp(made, place, paths);
  }
  const finished = {
    status: ended.status === 0 ? ('DONE' as const) : ('EXIT' as const),
    endTime: Date.now(),
    exitCode: ended.status,
    exitReason: ended.exitReason,
    usage: made.usage?.stop() as Usage | undefined,
  };
  // The -o/-e files are complete before the job is marked finished: bsub -K and bjobs
  // readers may look at them the moment the record says DONE or EXIT.
  if (!ctx.interactive) deliverOutput({ ...record, ...finished }, paths, place.outFile, place.errFile);
  record = updateRecord(ctx.dirs, record.id, record.index, finished);
  return ended.status;
}

/** The job tmpdir (0700, the user's) and the job file (~/.lsbatch/<submit time>.<jobid>). */
function makeJobFiles(record: JobRecord, place: ElementPlace, made: Made): void {
  makeJobTmpdir(place.tmpdir, process.geteuid!());
  made.tmpdir = true;
  mkdirSync(place.lsbatch, { recursive: true, mode: 0o700 });
  made.jobFile = true;
  writeFileSync(place.jobFile, `#!/bin/sh\n${record.command}\n`, { mode: 0o700 });
}

/** Batch: stdout/stderr to spool files. Interactive: the terminal. Then fds 3...: the locks the job keeps. */
function jobStdio(
  ctx: RunContext,
  paths: ReturnType<typeof jobPaths>,
  place: ElementPlace,
  locks: HeldLock[],
  made: Made,
): Array<'inherit' | 'ignore' | number> {
  let stdio: Array<'inherit' | 'ignore' | number>;
  if (ctx.interactive) stdio = ['inherit', 'inherit', 'inherit'];
  else {
    const out = openSync(paths.out, 'w', 0o600);
    made.opened.push(out);
    const err = place.errFile ? openSync(paths.errSpool, 'w', 0o600) : out;
    if (place.errFile) made.opened.push(err);
    stdio = ['ignore', out, err];
  }
  stdio.push(...locks.map((l) => l.fd));
  return stdio;
}

async function runJob(
  record0: JobRecord,
  config: Config,
  ctx: RunContext,
  place: ElementPlace,
  locks: HeldLock[],
  allocation: Allocation,
  made: Made,
): Promise<Ended> {
  const paths = jobPaths(ctx.dirs, record0.id, record0.index);
  makeJobFiles(record0, place, made);
  const submitted = JSON.parse(readFileSync(paths.env, 'utf8')) as Record<string, string>;
  const env = buildJobEnv(record0, submitted, { ...place, gpuIds: allocation.gpuIds });
  const argv = launchArgv(record0, starterArgv(record0, config, ctx.binDir, place.jobFile));
  const stdio = jobStdio(ctx, paths, place, locks, made);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: place.cwd, env, stdio, detached: !ctx.interactive });
  const exited = exitOf(child);
  if (child.pid) {
    updateRecord(ctx.dirs, record0.id, record0.index, { jobPid: child.pid });
    made.usage = new UsageSampler(child.pid);
    made.usage.start();
  }
  const killer = watchKillRequests(child, paths.kill, config.job.terminateInterval, !ctx.interactive);
  const result = await (ctx.interactive ? ignoringTerminalSignals(exited) : exited);
  killer.stop();
  if (result.error) process.stderr.write(`lsf-docker: cannot start ${argv[0]}: ${result.error.message}\n`);
  const status = exitStatus(result.code, result.signal);
  if (!killer.killed()) return { status };
  await removeLeftoverContainers(config, record0);
  return { status, exitReason: 'TERM_OWNER: job killed by owner' };
}

type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

const exitOf = (child: ChildProcess) =>
  new Promise<Exit>((res) => {
    child.on('error', (error) => res({ code: Status.NOT_FOUND, signal: null, error }));
    child.on('exit', (code, signal) => res({ code, signal }));
  });

const TERMINAL_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const;
const noop = () => undefined;

/** An interactive job shares our terminal: its signals are the job's to handle, not ours. */
async function ignoringTerminalSignals<T>(running: Promise<T>): Promise<T> {
  for (const s of TERMINAL_SIGNALS) process.on(s, noop);
  try {
    return await running;
  } finally {
    for (const s of TERMINAL_SIGNALS) process.off(s, noop);
  }
}

/** Cleanup never throws (the end must be recorded) and removes only what this job made. */
function cleanUp(made: Made, place: ElementPlace, paths: ReturnType<typeof jobPaths>): void {
  for (const fd of made.opened) quietly(() => closeSync(fd));
  if (made.tmpdir) quietly(() => rmSync(place.tmpdir, { recursive: true, force: true }));
  if (made.jobFile) quietly(() => rmSync(place.jobFile, { force: true }));
  quietly(() => rmSync(paths.kill, { force: true }));
}

/** Runs a cleanup step; its failure is reported on the supervisor's log, never thrown. */
function quietly(step: () => void): void {
  try {
    step();
  } catch (err) {
    process.stderr.write(`lsf-docker: cleanup: ${(err as Error).message}\n`);
  }
}
