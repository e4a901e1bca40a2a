import { childProcess } from '../kernel/builtin.js';
import { Status } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import { quoteArgv } from '../kernel/quote.js';
import type { CallResult, RuntimeExec, Spawned, SpawnResult, SpawnStdio } from './types.js';

export interface CliExecOptions {
  binary: string;
  /**
   * Environment of the CLI process: built by the runtime, never the job's. A function is called
   * at the first CLI process only (root's copy of a user's credentials is then made only for a
   * job that runs the CLI at all: the Engine API transport often does not).
   */
  env: Record<string, string> | (() => Record<string, string>);
  /** Seconds for a short call. */
  timeout: number;
  log: Logger;
}

/**
 * The one door through which every process of a runtime's CLI runs: argv arrays (never a
 * shell), a clean environment, a timeout on every short call, and every argv logged at DEBUG
 * exactly as executed. Runtime-neutral: docker and podman differ only in binary and environment.
 */
export class CliExec implements RuntimeExec {
  private built: Record<string, string> | undefined;

  constructor(readonly options: CliExecOptions) {}

  /** The CLI's environment (built at the first use when options.env is a function). */
  get env(): Record<string, string> {
    const env = this.options.env;
    if (typeof env !== 'function') return env;
    this.built ??= env();
    return this.built;
  }

  get binary() {
    return this.options.binary;
  }

  get timeout() {
    return this.options.timeout;
  }

  /** Runs a short command and collects its output; never throws for a non-zero exit. */
  async call(args: string[], opts: { timeout?: number; input?: string } = {}): Promise<CallResult> {
    const timeout = (opts.timeout ?? this.options.timeout) * 1000;
    this.options.log.debug(`exec: ${quoteArgv([this.binary, ...args])}`);
    // execa is loaded on the first short call only: the hot path (run) does not need it.
    const { execa } = await import('execa');
    const result = await execa(this.binary, args, {
      env: this.env,
      extendEnv: false,
      reject: false,
      timeout,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      stripFinalNewline: true,
      killSignal: 'SIGKILL',
    });
    const out: CallResult = {
      exitCode: result.exitCode ?? (result.timedOut ? Status.TIMED_OUT : Status.MAX),
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      timedOut: Boolean(result.timedOut),
      signal: result.signal ?? undefined,
    };
    if (result.failed && result.exitCode === undefined && !result.timedOut && out.stderr === '') {
      out.stderr = String(result.shortMessage ?? result.message ?? 'failed to start');
    }
    this.options.log.debug(`exit ${out.timedOut ? 'timeout' : out.exitCode}: ${this.binary} ${args[0]}`);
    return out;
  }

  /**
   * Starts a long-running command (run, build, exec) with the given stdio, in its own process
   * group unless it needs the terminal, so that signals meant for the job do not reach the CLI
   * (the docker 20.10 client dies on SIGTERM and leaves the container running). Plain
   * child_process (loaded here, not at start-up: the Engine API transport never needs it).
   */
  spawn(args: string[], stdio: SpawnStdio, opts: { detached: boolean }): Spawned {
    this.options.log.debug(`exec: ${quoteArgv([this.binary, ...args])}`);
    const child = childProcess().spawn(this.binary, args, {
      env: this.env,
      detached: opts.detached,
      stdio: [stdio.stdin, stdio.stdout, stdio.stderr],
    });
    const done = new Promise<SpawnResult>((resolve) => {
      child.once('error', (err) => resolve({ exitCode: Status.NOT_FOUND, error: err.message }));
      child.once('close', (code, signal) =>
        resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }),
      );
    });
    return Object.assign(done, {
      pid: child.pid,
      stdout: child.stdout,
      stderr: child.stderr,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => child.kill(signal),
    });
  }
}
