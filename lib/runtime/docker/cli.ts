import { spawn as spawnChild } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '../../kernel/log/logger.js';
import { quoteArgv } from '../../kernel/quote.js';

/** The outcome of one docker CLI call. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The signal that ended the CLI process, if any. */
  signal?: string;
}

export interface DockerCliOptions {
  binary: string;
  /** Environment of the CLI process: built by the wrapper, never the job's. */
  env: Record<string, string>;
  /** Seconds for a short call. */
  timeout: number;
  log: Logger;
}

/**
 * The one seam through which every docker command runs: argv arrays (never a shell), a clean
 * environment, a timeout on every call, and every argv logged at DEBUG exactly as executed.
 */
export class DockerCli {
  constructor(readonly options: DockerCliOptions) {}

  get binary() {
    return this.options.binary;
  }

  /** Runs a short docker command and collects its output; never throws for a non-zero exit. */
  async call(args: string[], opts: { timeout?: number; input?: string } = {}): Promise<CliResult> {
    const timeout = (opts.timeout ?? this.options.timeout) * 1000;
    this.options.log.debug(`exec: ${quoteArgv([this.binary, ...args])}`);
    // execa is loaded on the first short call only: the hot path (docker run) does not need it.
    const { execa } = await import('execa');
    const result = await execa(this.binary, args, {
      env: this.options.env,
      extendEnv: false,
      reject: false,
      timeout,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      stripFinalNewline: true,
      killSignal: 'SIGKILL',
    });
    const out: CliResult = {
      exitCode: result.exitCode ?? (result.timedOut ? 124 : 255),
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
   * Starts a long-running docker command (run, build, exec) with the given stdio, in its own
   * process group unless it needs the terminal, so that signals meant for the job do not reach
   * the CLI (the 20.10 client dies on SIGTERM and leaves the container running). Plain
   * child_process: this is the hot path of every job, and it needs no more than spawn.
   */
  spawn(
    args: string[],
    stdio: { stdin: 'inherit' | 'ignore' | 'pipe'; stdout: 'inherit' | 'pipe'; stderr: 'inherit' | 'pipe' },
    opts: { detached: boolean },
  ): SpawnedCli {
    this.options.log.debug(`exec: ${quoteArgv([this.binary, ...args])}`);
    const child = spawnChild(this.binary, args, {
      env: this.options.env,
      detached: opts.detached,
      stdio: [stdio.stdin, stdio.stdout, stdio.stderr],
    });
    const done = new Promise<SpawnResult>((resolve) => {
      child.once('error', (err) => resolve({ exitCode: 127, error: err.message }));
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

/** How a spawned docker command ended: its exit code, or the signal that killed the CLI. */
export interface SpawnResult {
  exitCode?: number;
  signal?: string;
  /** The CLI could not be started at all (e.g. the binary is missing). */
  error?: string;
}

/** A running docker command: await it for its SpawnResult; its pipes and kill() meanwhile. */
export type SpawnedCli = Promise<SpawnResult> & {
  pid: number | undefined;
  stdout: Readable | null;
  stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
};

/** The environment the docker CLI gets: PATH, the user's real HOME and docker config dir, and the admin's DOCKER_HOST. */
export function cliEnvironment(
  home: string,
  dockerHost: string | undefined,
  dockerConfig = `${home}/.docker`,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    LANG: 'C.UTF-8',
  };
  if (dockerHost) env.DOCKER_HOST = dockerHost;
  return env;
}
