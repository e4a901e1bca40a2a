import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../log/logger.js';
import { quoteArgv } from '../util/quote.js';

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
   * Starts a long-running docker command (run, pull, build) with the given stdio, in its own
   * process group unless it needs the terminal, so that signals meant for the job do not reach
   * the CLI (the 20.10 client dies on SIGTERM and leaves the container running).
   */
  spawn(
    args: string[],
    stdio: {
      stdin: 'inherit' | 'ignore' | 'pipe';
      stdout: 'inherit' | 'pipe';
      stderr: 'inherit' | 'pipe' | 'tee';
    },
    opts: { detached: boolean; input?: string },
  ): ResultPromise {
    this.options.log.debug(`exec: ${quoteArgv([this.binary, ...args])}`);
    return execa(this.binary, args, {
      env: this.options.env,
      extendEnv: false,
      reject: false,
      detached: opts.detached,
      stdin: stdio.stdin,
      input: opts.input,
      stdout: stdio.stdout,
      stderr: stdio.stderr === 'tee' ? ['pipe', 'inherit'] : stdio.stderr,
      buffer: { stdout: stdio.stdout === 'pipe', stderr: stdio.stderr !== 'inherit' },
      maxBuffer: { stderr: 1024 * 1024 },
      stripFinalNewline: false,
    }) as unknown as ResultPromise;
  }
}

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
