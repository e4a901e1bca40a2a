/**
 * Slurm's client programs (sbatch, squeue, scancel, srun, scontrol) run from Node: argv arrays,
 * never a shell; a minimal environment (sbatchProcessEnv: nothing they would read as an option);
 * a timeout; every failure is one WrapperError SCHEDULER_FAILED (229) naming the command. The I/O
 * edge of the Slurm adapter; what the commands print is parsed by the pure modules beside it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { WrapperError } from '../../kernel/errors.js';
import { ExitCode } from '../../kernel/exit-codes.js';
import type { Env } from './facts.js';
import { parseSbatchParsable, sbatchProcessEnv } from './job-env.js';
import { parseSqueueJson, SqueueFormatError, type SqueueParse } from './states.js';

export type SlurmProgram = 'sbatch' | 'squeue' | 'scancel' | 'srun' | 'scontrol';

export interface SlurmClientOptions {
  /** [slurm] conf: handed to every client as SLURM_CONF. */
  conf: string;
  /** [slurm] bin_dir; undefined: the programs are found on PATH. */
  binDir?: string;
  /** [slurm] timeout, in seconds. */
  timeoutSeconds: number;
  /** Where PATH, LANG, HOME and TZ come from (default process.env). */
  env?: Env;
}

export interface RunOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The Slurm back-end's one failure: SUBJECT (the command, or the key) and what went wrong. */
export const schedulerFailed = (subject: string, message: string) =>
  new WrapperError(ExitCode.SCHEDULER_FAILED, message.replace(/[\x00-\x1f\x7f]+/g, ' ').trim(), subject);

/** The line a failing Slurm client printed last, without its "PROGRAM: error: " prefix. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = lines.at(-1) ?? '';
  return last.replace(/^[a-z]+: (?:error: )?/, '').slice(0, 300) || 'no message';
}

export interface RunInput {
  /** Written to stdin, then closed (else stdin is empty). */
  stdin?: string;
  /** Written to fd 3, then closed (sbatch --export-file=3). */
  fd3?: string;
  cwd?: string;
}

export class SlurmClient {
  constructor(readonly opts: SlurmClientOptions) {}

  /** The path of a Slurm program. */
  program(name: SlurmProgram): string {
    return this.opts.binDir ? `${this.opts.binDir}/${name}` : name;
  }

  /** The environment every client runs with. */
  processEnv(): Record<string, string> {
    return sbatchProcessEnv(this.opts.env ?? process.env, this.opts.conf);
  }

  /**
   * The conf must be a readable file: without it every Slurm client retries for 59 s before it
   * fails (measured), so it is checked before any is started.
   */
  checkConf(): void {
    const { conf } = this.opts;
    let problem: string | undefined;
    try {
      if (!statSync(conf).isFile()) problem = 'is not a file';
      else accessSync(conf, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problem = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read' : code;
    }
    if (problem)
      throw schedulerFailed('[slurm] conf', `${conf} ${problem}: the Slurm cluster cannot be reached`);
  }

  /** Runs ARGV (ARGV[0] a Slurm program) to its end, within the timeout. */
  async run(argv: readonly string[], input: RunInput = {}): Promise<RunOutcome> {
    this.checkConf();
    const [file, ...args] = argv as [string, ...string[]];
    const name = file.split('/').at(-1)!;
    const child = spawn(file, args, {
      env: this.processEnv(),
      cwd: input.cwd,
      stdio: ['pipe', 'pipe', 'pipe', ...(input.fd3 !== undefined ? ['pipe' as const] : [])],
    });
    const ended = collect(child, name, this.opts.timeoutSeconds);
    feed(child.stdin, input.stdin ?? '');
    if (input.fd3 !== undefined) feed(child.stdio[3] as NodeJS.WritableStream, input.fd3);
    return ended;
  }

  /** Runs ARGV and fails unless it exits 0. */
  async ok(argv: readonly string[], input: RunInput = {}): Promise<RunOutcome> {
    const r = await this.run(argv, input);
    if (r.status !== 0) {
      const how = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
      throw schedulerFailed(argv[0]!.split('/').at(-1)!, `${lastErrorLine(r.stderr)} (${how})`);
    }
    return r;
  }

  /** sbatch ARGV with the script on stdin and the job environment on fd 3: the job id. */
  async sbatch(argv: readonly string[], script: string, exportFile: string, cwd?: string): Promise<number> {
    const r = await this.ok(argv, { stdin: script, fd3: exportFile, cwd });
    const parsed = parseSbatchParsable(r.stdout);
    if (!parsed)
      throw schedulerFailed('sbatch', `printed no job id (${JSON.stringify(r.stdout.slice(0, 80))})`);
    return parsed.jobId;
  }

  /** Every job Slurm still knows (squeue --json; 22.05 ignores the state filter, 23.02+ needs it). */
  async squeue(): Promise<SqueueParse> {
    const r = await this.ok([this.program('squeue'), '--json', '--states=all']);
    try {
      return parseSqueueJson(r.stdout);
    } catch (err) {
      if (err instanceof SqueueFormatError) throw schedulerFailed('squeue', err.message);
      throw err;
    }
  }

  /** The cluster's default partition (scontrol show partition: the one with Default=YES), if any. */
  async defaultPartition(): Promise<string | undefined> {
    const r = await this.ok([this.program('scontrol'), 'show', 'partition', '--oneliner']);
    return defaultPartitionOf(r.stdout);
  }

  /** scancel ARGS (it exits 0 for unknown ids: callers check existence through squeue first). */
  async scancel(args: readonly string[]): Promise<void> {
    await this.ok([this.program('scancel'), ...args]);
  }

  /** Starts ARGV (srun) with ENV and the terminal's stdin and stdout; stderr is piped to the caller. */
  spawnAttached(argv: readonly string[], env: Record<string, string>): ChildProcess {
    this.checkConf();
    const [file, ...args] = argv as [string, ...string[]];
    return spawn(file, args, {
      env: { ...env, SLURM_CONF: this.opts.conf },
      stdio: ['inherit', 'inherit', 'pipe'],
    });
  }
}

/** `scontrol show partition --oneliner`: the name of the partition with Default=YES. */
export function defaultPartitionOf(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (!/(?:^|\s)Default=YES(?:\s|$)/.test(line)) continue;
    const name = /(?:^|\s)PartitionName=([A-Za-z0-9_.-]{1,64})(?:\s|$)/.exec(line)?.[1];
    if (name) return name;
  }
  return undefined;
}

function feed(stream: NodeJS.WritableStream | null | undefined, text: string): void {
  if (!stream) return;
  // A client that exits before reading everything closes the pipe: its status tells why.
  (stream as NodeJS.WritableStream & { on: (e: string, f: () => void) => void }).on('error', () => {});
  stream.end(text);
}

function collect(child: ChildProcess, name: string, timeoutSeconds: number): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        schedulerFailed(name, `no answer within ${timeoutSeconds}s: the Slurm cluster cannot be reached`),
      );
    }, timeoutSeconds * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        schedulerFailed(
          name,
          `cannot run ${name}: ${e.message} (is Slurm's client installed? [slurm] bin_dir)`,
        ),
      );
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
