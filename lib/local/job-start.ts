import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { childProcess } from '../kernel/builtin.js';
import { Status } from '../kernel/exit-codes.js';
import { jobTmpdirName } from '../scheduler/lsf/facts.js';
import { jobFileName } from '../scheduler/lsf/job-environment.js';
import { shortHost } from './context.js';
import { buildJobEnv } from './job-env.js';
import { makeJobTmpdir } from './job-tmpdir.js';
import type { HeldLock } from './lock.js';
import { outputFiles } from './output.js';
import { type JobRecord, jobPaths } from './record.js';
import type { Allocation } from './resources.js';
import { launchArgv, starterArgv } from './starter.js';

/** Where one element runs: its host, tmpdir, job file, working directory and -o/-e files. */
export interface Place {
  host: string;
  tmpdir: string;
  lsbatch: string;
  jobFile: string;
  cwd: string;
  outFile?: string;
  errFile?: string;
}

/** What starting the element made, for the cleanup to remove (and only that). */
export interface Made {
  opened: number[];
  tmpdir?: string;
  jobFile: boolean;
}

/** How an element is run: where the state is, what starts it, and whether it is on a terminal. */
export interface RunContext {
  dirs: { user: string; host: string };
  /** The directory of the running lsf-docker's bin/ (the sibling job starters). */
  binDir: string;
  /** Batch: stdout/stderr to spool files, own session. Interactive: the terminal, our process group. */
  interactive: boolean;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

export function placeOf(record: JobRecord, config: Config): Place {
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

/** The job file: the command under #!/bin/sh, or a job script with its own #! line as it is. Pure. */
export const jobFileText = (command: string) =>
  command.startsWith('#!') ? `${command}\n` : `#!/bin/sh\n${command}\n`;

/**
 * The job tmpdir (0700, the user's; beside LSF's name when someone took it) and the job file
 * (~/.lsbatch/<submit time>.<jobid>): a #!/bin/sh script of the command.
 */
export function makeJobFiles(record: JobRecord, place: Place, made: Made): string | undefined {
  const tmp = makeJobTmpdir(place.tmpdir, process.geteuid!());
  made.tmpdir = tmp.path;
  place.tmpdir = tmp.path;
  mkdirSync(place.lsbatch, { recursive: true, mode: 0o700 });
  made.jobFile = true;
  writeFileSync(place.jobFile, jobFileText(record.command), { mode: 0o700 });
  return tmp.moved;
}

/** Batch: stdin from -i (or nothing), stdout/stderr to spool files. Interactive: the terminal. Then the locks. */
function jobStdio(ctx: RunContext, record: JobRecord, place: Place, locks: HeldLock[], made: Made) {
  const paths = jobPaths(ctx.dirs, record.id, record.index);
  let stdio: Array<'inherit' | 'ignore' | number>;
  if (ctx.interactive) stdio = interactiveStdio(record, place, made);
  else {
    const input = record.input ? openSync(record.input, 'r') : 'ignore';
    if (typeof input === 'number') made.opened.push(input);
    const out = openSync(paths.out, 'w', 0o600);
    made.opened.push(out);
    const err = place.errFile ? openSync(paths.errSpool, 'w', 0o600) : out;
    if (place.errFile) made.opened.push(err);
    stdio = [input, out, err];
  }
  stdio.push(...locks.map((l) => l.fd));
  return stdio;
}

/**
 * bsub -I* with -o FILE (-e FILE): the job's stdout (stderr) goes to the file as it runs, with no
 * LSF header (an interactive job's report is the terminal's); stdin stays the terminal.
 */
function interactiveStdio(record: JobRecord, place: Place, made: Made): Array<'inherit' | number> {
  const open = (file: string | undefined, spec: JobRecord['out']) => {
    if (!file) return 'inherit' as const;
    const fd = openSync(file, spec?.overwrite ? 'w' : 'a', 0o644);
    made.opened.push(fd);
    return fd;
  };
  const out = open(place.outFile, record.out);
  const err = place.errFile ? open(place.errFile, record.err) : out;
  return ['inherit', out, err];
}

/** The job's environment: the submitted one with LSF's variables for this element and place. */
export function jobEnvOf(ctx: RunContext, record: JobRecord, place: Place, allocation: Allocation) {
  const submitted = JSON.parse(
    readFileSync(jobPaths(ctx.dirs, record.id, record.index).env, 'utf8'),
  ) as Record<string, string>;
  return buildJobEnv(record, submitted, { ...place, gpuIds: allocation.gpuIds });
}

/**
 * Starts the job starter for an element that holds its LOCKS (the element's and the host's):
 * batch jobs in a session of their own (their process group is the job's: bkill signals it
 * whole), interactive ones on our terminal. The locks pass to the job as descriptors 3...
 */
export function spawnStarter(
  record: JobRecord,
  config: Config,
  ctx: RunContext,
  place: Place,
  env: Record<string, string>,
  locks: HeldLock[],
  made: Made,
): { child: ChildProcess; exited: Promise<Exit>; argv: string[] } {
  const argv = launchArgv(record, starterArgv(record, config, ctx.binDir, place.jobFile));
  const stdio = jobStdio(ctx, record, place, locks, made);
  const child = childProcess().spawn(argv[0]!, argv.slice(1), {
    cwd: place.cwd,
    env,
    stdio,
    detached: !ctx.interactive,
  });
  const exited = new Promise<Exit>((res) => {
    child.on('error', (error) => res({ code: Status.NOT_FOUND, signal: null, error }));
    child.on('exit', (code, signal) => res({ code, signal }));
  });
  return { child, exited, argv };
}
