import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { hostGpuIndexes } from '../host/gpus.js';
import { signalNumber } from '../kernel/signals.js';
import { PLACE_HOLDER } from '../request/job-request.js';
import { terminate } from '../scheduler/lsf/terminate.js';
import { expandOutputPath } from './bsub-args.js';
import { buildJobEnv } from './job-env.js';
import { makeJobTmpdir } from './job-tmpdir.js';
import { type HeldLock, release, tryLock } from './lock.js';
import { type JobRecord, jobPaths, readRecord, updateRecord } from './record.js';
import { renderOutputFile } from './report.js';
import { allocate, releaseAll } from './resources.js';
import { hostClosedFor, type StateDirs } from './state.js';
import { UsageSampler } from './usage.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 200;

export interface RunContext {
  dirs: StateDirs;
  /** The directory of the running lsf-docker's bin/ (the sibling job starters). */
  binDir: string;
  /** Batch: stdout/stderr to spool files, own session. Interactive: the terminal, our process group. */
  interactive: boolean;
  onWaiting?: () => void;
  onStart?: (host: string) => void;
  /** FIFO: false while an older job or element waits (default: always true). */
  mayDispatch?: () => boolean;
  /** Called once when the element stops waiting (dispatched, killed, or not pending). */
  leftQueue?: () => void;
}

export const shortHost = () => hostname().split('.')[0] ?? hostname();

/** The job starter's argv for the job's application profile, or undefined for a plain job. */
export function starterArgv(record: JobRecord, config: Config, binDir: string, jobFile: string): string[] {
  const cfg = record.config ? ['--config', record.config] : [];
  if (record.app === 'docker') {
    const starter = config.local.jobStarter ?? join(binDir, 'docker_run');
    const command = record.command.trim() === PLACE_HOLDER ? PLACE_HOLDER : jobFile;
    return [starter, ...cfg, '--', command];
  }
  if (record.app === 'docker_build') return [join(binDir, 'docker_build'), ...cfg, '--', ...record.words];
  // docker_exec(JOBID): the job's command line runs in that job's container (the job id is in
  // LSB_DOCKER_EXEC_JOBID, set by esub.docker_exec); the container cannot see this job's file.
  if (record.app === 'docker_exec') return [join(binDir, 'docker_exec'), ...cfg, '--', record.command];
  return ['/bin/sh', jobFile];
}

/** The program and argv that start the job: under prlimit when it has a memory limit (RLIMIT_RSS, as LSF's -M). */
export function launchArgv(record: JobRecord, starter: string[]): string[] {
  if (record.memLimit === undefined) return starter;
  return ['prlimit', `--rss=${record.memLimit}`, '--', ...starter];
}

function loadConfigOr(previous: Config, path: string | undefined): Config {
  try {
    return loadConfig(path, { euid: process.geteuid!() }).config;
  } catch {
    return previous;
  }
}

function killRequested(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || 'TERMINATE';
  } catch {
    return undefined;
  }
}

/**
 * Dispatches one job element and runs it to its end, like mbatchd + sbatchd: waits while the
 * host is closed or short of slots, ports or GPUs; then makes the job tmpdir and the job file,
 * runs the job starter with the job's environment, records the end and writes the -o file. The
 * element's lock (held here and inherited by the job) guarantees one runner per element.
 * Returns the job's exit status, or undefined when another runner has it.
 */
export async function runElement(
  record0: JobRecord,
  initialConfig: Config,
  ctx: RunContext,
): Promise<number | undefined> {
  const paths = jobPaths(ctx.dirs, record0.id, record0.index);
  const elementLock = tryLock(paths.lock, 0o600);
  if (!elementLock) {
    ctx.leftQueue?.();
    return undefined;
  }
  let config = initialConfig;
  let allocation: ReturnType<typeof allocate>;
  let waitingShown = false;
  let record = record0;
  let left = false;
  const leave = () => {
    if (!left) ctx.leftQueue?.();
    left = true;
  };
  try {
    for (;;) {
      const current = readRecord(paths.record);
      if (current?.status !== 'PEND') return current?.exitCode;
      record = current;
      if (killRequested(paths.kill)) {
        updateRecord(ctx.dirs, record.id, record.index, {
          status: 'EXIT',
          endTime: Date.now(),
          exitReason: 'TERM_OWNER: job killed by owner while pending',
        });
        rmSync(paths.kill, { force: true });
        return 130;
      }
      config = loadConfigOr(config, record.config);
      let reason: string | undefined;
      if (hostClosedFor(ctx.dirs, process.geteuid!()))
        reason = 'The host is closed by the administrator (badmin hclose)';
      else if (ctx.mayDispatch && !ctx.mayDispatch())
        reason = 'An older job of yours is waiting for the same host';
      else {
        allocation = allocate(
          join(ctx.dirs.host, 'locks'),
          config.local.slots,
          { slots: record.slots, ports: record.ports, gpus: record.gpus },
          hostGpuIndexes(config.devices.gpuDevDir),
        );
        if (allocation) break;
        reason = 'Job slot limit reached, or a requested port or GPU is in use';
      }
      if (record.pendReason !== reason || record.supervisorPid !== process.pid)
        updateRecord(ctx.dirs, record.id, record.index, { pendReason: reason, supervisorPid: process.pid });
      if (!waitingShown) {
        ctx.onWaiting?.();
        waitingShown = true;
      }
      await sleep(POLL_MS);
    }
    if (!waitingShown) ctx.onWaiting?.();
    leave();
    try {
      return await runAllocated(record, config, ctx, elementLock, allocation!);
    } catch (err) {
      // Whatever went wrong, the element ends recorded (bsub -K and bjobs must not wait forever).
      const exitReason = `internal error of the supervisor: ${(err as Error).message}`;
      process.stderr.write(`lsf-docker: job ${record.id}: ${exitReason}\n`);
      updateRecord(ctx.dirs, record.id, record.index, {
        status: 'EXIT',
        endTime: Date.now(),
        exitCode: 127,
        exitReason,
      });
      return 127;
    }
  } finally {
    leave();
    releaseAll(allocation);
    release(elementLock);
  }
}

/**
 * FIFO between a user's jobs: true while a job older than ID still waits (PEND) with a live
 * runner. Finished ids are remembered, so a poll reads only the records still in question.
 */
export function olderJobWaiting(dirs: StateDirs, id: number, finished: Set<string>): boolean {
  const dir = join(dirs.user, 'jobs');
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.(\d+)\.json$/.exec(name);
    if (!m || Number(m[1]) >= id || finished.has(name)) continue;
    const r = readRecord(join(dir, name));
    if (!r || r.status === 'DONE' || r.status === 'EXIT') {
      if (r) finished.add(name);
      continue;
    }
    if (r.status === 'PEND' && alive(r.supervisorPid)) return true;
  }
  return false;
}

async function runAllocated(
  record0: JobRecord,
  config: Config,
  ctx: RunContext,
  elementLock: HeldLock,
  allocation: NonNullable<ReturnType<typeof allocate>>,
): Promise<number> {
  const paths = jobPaths(ctx.dirs, record0.id, record0.index);
  const host = shortHost();
  const startTime = Date.now();
  const leaf = record0.index > 0 ? `${record0.id}_${record0.index}.tmpdir` : `${record0.id}.tmpdir`;
  const tmpdir = join(config.paths.jobTmpRoot, leaf);
  const lsbatch = join(record0.home, '.lsbatch');
  const jobFile = join(
    lsbatch,
    `${Math.floor(record0.submitTime / 1000)}.${record0.id}${record0.index > 0 ? `.${record0.index}` : ''}`,
  );
  const cwd = existsSync(record0.cwd) ? record0.cwd : '/tmp';
  const outFile = record0.out
    ? resolve(cwd, expandOutputPath(record0.out.path, record0.id, record0.index))
    : undefined;
  const errFile = record0.err
    ? resolve(cwd, expandOutputPath(record0.err.path, record0.id, record0.index))
    : undefined;
  let record = updateRecord(ctx.dirs, record0.id, record0.index, {
    status: 'RUN',
    startTime,
    execHost: host,
    pendReason: undefined,
    supervisorPid: process.pid,
    tmpdir,
    jobFile,
  });
  ctx.onStart?.(host);

  let status = 0;
  let exitReason: string | undefined;
  let usage: UsageSampler | undefined;
  const opened: number[] = [];
  let tmpdirMade = false;
  let jobFileWritten = false;
  try {
    // The job tmpdir (0700, the user's) and the job file (~/.lsbatch/<submit time>.<jobid>).
    makeJobTmpdir(tmpdir, process.geteuid!());
    tmpdirMade = true;
    mkdirSync(lsbatch, { recursive: true, mode: 0o700 });
    jobFileWritten = true;
    writeFileSync(jobFile, `#!/bin/sh\n${record.command}\n`, { mode: 0o700 });
    const submitted = JSON.parse(readFileSync(paths.env, 'utf8')) as Record<string, string>;
    const env = buildJobEnv(record, submitted, {
      host,
      tmpdir,
      jobFile,
      gpuIds: allocation.gpuIds,
      outFile,
      errFile,
    });
    const argv = launchArgv(record, starterArgv(record, config, ctx.binDir, jobFile));
    let stdio: Array<'inherit' | 'ignore' | number>;
    if (ctx.interactive) stdio = ['inherit', 'inherit', 'inherit'];
    else {
      const out = openSync(paths.out, 'w', 0o600);
      opened.push(out);
      const err = errFile ? openSync(paths.errSpool, 'w', 0o600) : out;
      if (errFile) opened.push(err);
      stdio = ['ignore', out, err];
    }
    // Fds 3...: the element lock and the resource locks, kept by the job for as long as it runs.
    stdio.push(elementLock.fd, ...allocation.locks.map((l) => l.fd));
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio, detached: !ctx.interactive });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
      (res) => {
        child.on('error', (error) => res({ code: 127, signal: null, error }));
        child.on('exit', (code, signal) => res({ code, signal }));
      },
    );
    if (child.pid) {
      record = updateRecord(ctx.dirs, record.id, record.index, { jobPid: child.pid });
      usage = new UsageSampler(child.pid);
      usage.start();
    }
    const killer = watchKillRequests(child, paths.kill, config.job.terminateInterval, !ctx.interactive);
    if (ctx.interactive)
      for (const s of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, noop);
    const result = await exited;
    killer.stop();
    if (ctx.interactive)
      for (const s of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, noop);
    if (result.error) process.stderr.write(`lsf-docker: cannot start ${argv[0]}: ${result.error.message}\n`);
    status = result.code ?? 128 + (signalNumber(result.signal) ?? 0);
    if (killer.killed()) {
      exitReason = 'TERM_OWNER: job killed by owner';
      removeLeftoverContainers(config, record);
    }
  } catch (err) {
    status = 127;
    exitReason = `job could not start: ${(err as Error).message}`;
    process.stderr.write(`lsf-docker: job ${record.id}: ${exitReason}\n`);
  } finally {
    // Cleanup never throws (the end must be recorded) and removes only what this job made.
    for (const fd of opened) quietly(() => closeSync(fd));
    if (tmpdirMade) quietly(() => rmSync(tmpdir, { recursive: true, force: true }));
    if (jobFileWritten) quietly(() => rmSync(jobFile, { force: true }));
    quietly(() => rmSync(paths.kill, { force: true }));
  }
  const finalUsage = usage?.stop();
  const finished = {
    status: status === 0 ? ('DONE' as const) : ('EXIT' as const),
    endTime: Date.now(),
    exitCode: status,
    exitReason,
    usage: finalUsage,
  };
  // The -o/-e files are complete before the job is marked finished: bsub -K and bjobs
  // readers may look at them the moment the record says DONE or EXIT.
  if (!ctx.interactive) deliverOutput({ ...record, ...finished }, paths, outFile, errFile);
  record = updateRecord(ctx.dirs, record.id, record.index, finished);
  return status;
}

const noop = () => undefined;

/** Runs a cleanup step; its failure is reported on the supervisor's log, never thrown. */
function quietly(step: () => void): void {
  try {
    step();
  } catch (err) {
    process.stderr.write(`lsf-docker: cleanup: ${(err as Error).message}\n`);
  }
}

/** Writes the -o file (header, summary, output) and the -e file, as the user. Without -o the spool stays for bpeek. */
function deliverOutput(
  record: JobRecord,
  paths: ReturnType<typeof jobPaths>,
  outFile?: string,
  errFile?: string,
): void {
  try {
    if (outFile) {
      const output = readSpool(paths.out); // none when the job could not start
      const target = isDirectory(outFile) ? join(outFile, `${record.id}.out`) : outFile;
      writeFileSync(target, renderOutputFile(record, output, errFile), {
        flag: record.out?.overwrite ? 'w' : 'a',
        mode: 0o644,
      });
    }
    if (errFile) {
      const target = isDirectory(errFile) ? join(errFile, `${record.id}.err`) : errFile;
      writeFileSync(target, readSpool(paths.errSpool), {
        flag: record.err?.overwrite ? 'w' : 'a',
        mode: 0o644,
      });
      rmSync(paths.errSpool, { force: true });
    }
  } catch (err) {
    process.stderr.write(
      `lsf-docker: job ${record.id}: cannot write its output file: ${(err as Error).message}\n`,
    );
  }
}

const readSpool = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
};

const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * bkill's work, done where the job's process group is known: a request file names `TERMINATE`
 * (LSF's sequence: SIGINT, interval, SIGTERM, interval, SIGKILL to the whole group) or one signal.
 */
function watchKillRequests(child: ChildProcess, file: string, intervalSeconds: number, group: boolean) {
  let killed = false;
  let sequenceStarted = false;
  let done = false;
  const send = (signal: NodeJS.Signals) => {
    if (!child.pid || done) return;
    try {
      process.kill(group ? -child.pid : child.pid, signal);
    } catch {
      // already gone
    }
  };
  const timer = setInterval(() => {
    const request = killRequested(file);
    if (!request) return;
    rmSync(file, { force: true });
    if (request === 'TERMINATE') {
      killed = true;
      if (sequenceStarted) return;
      sequenceStarted = true;
      void terminate(send, intervalSeconds, () => done);
    } else if (/^SIG[A-Z0-9]+$/.test(request)) {
      if (request === 'SIGKILL') killed = true;
      send(request as NodeJS.Signals);
    }
  }, POLL_MS);
  return {
    stop: () => {
      done = true;
      clearInterval(timer);
    },
    killed: () => killed,
  };
}

/** After a kill: no container of the job may outlive it (docker_run removes it; this is the safety net). */
function removeLeftoverContainers(config: Config, record: JobRecord): void {
  const filters = [
    '--filter',
    `label=lsf-docker.job=${record.id}`,
    '--filter',
    `label=lsf-docker.index=${record.index}`,
    '--filter',
    `label=lsf-docker.uid=${record.uid}`,
  ];
  const ps = spawnSync(config.docker.binary, ['ps', '-aq', ...filters], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ids = (ps.stdout ?? '').split('\n').filter((l) => /^[0-9a-f]+$/.test(l));
  if (ids.length > 0)
    spawnSync(config.docker.binary, ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 60_000 });
}

/** Whether a process still lives. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
