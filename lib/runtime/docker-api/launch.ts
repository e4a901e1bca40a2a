/**
 * One run of the job's container through the Engine API, in the order `docker run` makes its
 * calls: create (then the id goes to the cidfile, as the CLI writes it), attach (stdout,
 * stderr, and stdin for an interactive job) and wait for the removal, both open before start,
 * then start. The job's output is copied to the wrapper's own stdout and stderr; how the run
 * ended is a SpawnResult like the CLI's (the container's status, 125-127 for a start the daemon
 * refused), with what the API said when it failed before that (ApiRunResult.failure).
 */
import { writeFileSync } from 'node:fs';
import type { JobFiles } from '../../host/private-dir.js';
import { Status } from '../../kernel/exit-codes.js';
import type { Logger } from '../../kernel/log/logger.js';
import type { ContainerSpec } from '../container-spec.js';
import type { Spawned, SpawnResult, SpawnStdio } from '../types.js';
import { createBody } from './body/run.js';
import { type EngineClient, errorMessage } from './client.js';
import type { Connection } from './connect.js';
import { Demuxer } from './demux.js';
import type { HttpExchange, HttpRequest } from './http.js';
import { ChunkPipe, type OutputSink, ownStderr, ownStdout } from './job-output.js';
import { bounded } from './within.js';

/** Where a run through the API failed before the container's own status was known. */
export interface ApiRunFailure {
  stage: 'connect' | 'create' | 'attach' | 'wait';
  /** The daemon's HTTP status, when it answered. */
  status?: number;
  message: string;
}

export interface ApiRunResult extends SpawnResult {
  failure?: ApiRunFailure;
}

/** The exit status `docker run` gives a start the daemon refused (the CLI's runStartContainerErr). Pure. */
export function startFailureStatus(message: string): number {
  if (
    /executable file not found|no such file or directory|system cannot find the file specified/.test(message)
  ) {
    return Status.NOT_FOUND;
  }
  if (/permission denied|is a directory/.test(message)) return Status.CANNOT_EXECUTE;
  return Status.RUNTIME_FAILED;
}

export interface LaunchOptions {
  client: EngineClient;
  log: Logger;
  /** The job's stdout and stderr when they are inherited: the wrapper's own (its descriptors 1 and 2). */
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** The job's stdin when it is interactive: the wrapper's own. */
  stdin?: NodeJS.ReadableStream & { destroy?(): void };
  /** Seconds to wait for the daemon's removal after the job ended or failed to start. */
  timeout: number;
}

/** Starts SPEC's container through the API with the job's private FILES; the Spawned of the seam. */
export function launchContainer(
  spec: ContainerSpec,
  files: JobFiles,
  stdio: SpawnStdio,
  opts: LaunchOptions,
): Spawned {
  const run = new ApiRun(spec, files, stdio, opts);
  return Object.assign(run.done, {
    pid: undefined,
    stdout: null,
    stderr: run.stderrPipe,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => run.kill(signal),
  });
}

class ApiRun {
  readonly stderrPipe: ChunkPipe | null;
  readonly done: Promise<ApiRunResult>;
  private settle!: (result: ApiRunResult) => void;
  private readonly open = new Set<Connection>();
  /** Aborted when the run ends or is killed: every request of the run, answered or not, is closed. */
  private readonly cancel = new AbortController();
  private killed: string | undefined;
  private readonly stdout: OutputSink;
  private readonly stderr: OutputSink;

  constructor(
    private readonly spec: ContainerSpec,
    private readonly files: JobFiles,
    private readonly stdio: SpawnStdio,
    private readonly opts: LaunchOptions,
  ) {
    this.stderrPipe = stdio.stderr === 'pipe' ? new ChunkPipe() : null;
    this.stdout = opts.stdout ?? ownStdout();
    this.stderr = this.stderrPipe ?? opts.stderr ?? ownStderr();
    this.done = new Promise((resolve) => {
      this.settle = (result) => {
        this.close();
        resolve(result);
      };
    });
    this.run().then(this.settle, (err: Error) =>
      this.settle({ exitCode: Status.RUNTIME_FAILED, failure: { stage: 'wait', message: err.message } }),
    );
  }

  /** Stops at once (the watchdog): every connection closed; the container, if any, is the caller's to remove. */
  kill(signal: string): boolean {
    if (this.killed) return false;
    this.killed = signal;
    this.settle({ signal });
    return true;
  }

  private async run(): Promise<ApiRunResult> {
    const created = await this.create();
    if ('result' in created) return created.result;
    const { id } = created;
    let attach: HttpExchange;
    let wait: HttpExchange;
    try {
      [attach, wait] = await Promise.all([
        this.attach(id),
        this.watch(this.opts.client.open(waitRequest(id), this.cancel.signal)),
      ]);
    } catch (err) {
      await this.discard(id);
      return {
        exitCode: Status.RUNTIME_FAILED,
        failure: { stage: 'attach', message: (err as Error).message },
      };
    }
    if (attach.status !== 101 && attach.status !== 200) {
      await this.discard(id);
      return { exitCode: Status.RUNTIME_FAILED, failure: await answerFailure('attach', attach) };
    }
    const copied = this.copyStreams(attach.socket);
    if (this.killed) return { signal: this.killed };
    const start = await this.answer({ method: 'POST', path: `/containers/${id}/start` });
    if (start.status !== 204 && start.status !== 304) {
      // As the CLI: the daemon's line passes through (the container exists), then its status.
      const message = errorMessage(start.text, start.status);
      this.stderr.write(`docker: Error response from daemon: ${message}\n`);
      await this.removal(wait, id);
      return { exitCode: startFailureStatus(message) };
    }
    return this.outcome(wait, copied, id);
  }

  /** A call closed with the run (no timeout of its own: the job's watchdog bounds the run). */
  private async answer(req: HttpRequest): Promise<{ status: number; text: string }> {
    const exchange = await this.watch(this.opts.client.open(req, this.cancel.signal));
    return { status: exchange.status, text: (await exchange.body).toString('utf8') };
  }

  /** POST /containers/create, then the id into the cidfile; or how it failed. */
  private async create(): Promise<{ id: string } | { result: ApiRunResult }> {
    const path = `/containers/create?name=${encodeURIComponent(this.spec.name)}`;
    const body = JSON.stringify(createBody(this.spec, this.files));
    let answer: { status: number; text: string };
    try {
      answer = await this.answer({ method: 'POST', path, body });
    } catch (err) {
      const message = (err as Error).message;
      return { result: { exitCode: Status.RUNTIME_FAILED, failure: { stage: 'connect', message } } };
    }
    if (this.killed) return { result: { signal: this.killed } };
    if (answer.status !== 201) {
      const failure = {
        stage: 'create' as const,
        status: answer.status,
        message: errorMessage(answer.text, answer.status),
      };
      return { result: { exitCode: Status.RUNTIME_FAILED, failure } };
    }
    const { Id: id, Warnings: warnings } = JSON.parse(answer.text) as {
      Id: string;
      Warnings?: string[] | null;
    };
    for (const w of warnings ?? []) this.stderr.write(`WARNING: ${w}\n`);
    try {
      writeFileSync(this.files.cidfile, id, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      await this.discard(id);
      const message = `cannot write the container id to ${this.files.cidfile}: ${(err as Error).message}`;
      return { result: { exitCode: Status.RUNTIME_FAILED, failure: { stage: 'create', message } } };
    }
    return { id };
  }

  private attach(id: string): Promise<HttpExchange> {
    const stdin = this.spec.process.interactive && this.stdio.stdin !== 'ignore' ? '&stdin=1' : '';
    const path = `/containers/${id}/attach?stream=1&stdout=1&stderr=1${stdin}`;
    // An attached stdin is written into the connection and half-closed at its end (node:net's).
    const req = { method: 'POST' as const, path, upgrade: true, halfOpen: stdin !== '' };
    return this.watch(this.opts.client.open(req, this.cancel.signal));
  }

  /** Keeps EXCHANGE's socket to close it when the run ends or is killed. */
  private async watch(exchange: Promise<HttpExchange>): Promise<HttpExchange> {
    const opened = await exchange;
    this.open.add(opened.socket);
    if (this.killed) opened.socket.destroy();
    return opened;
  }

  /** The job's streams: stdout and stderr out of the attach, the wrapper's stdin into it. Resolves at its end. */
  private copyStreams(socket: Connection): Promise<void> {
    const demux = new Demuxer((stream, data) => {
      const out = stream === 2 ? this.stderr : this.stdout;
      if (!out.write(data)) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
    });
    const stdin = this.opts.stdin ?? (this.stdio.stdin === 'inherit' ? process.stdin : undefined);
    if (stdin && this.spec.process.interactive) {
      // A half-open attach: node:net's Socket (connect.ts), a Writable.
      const writable = socket as unknown as NodeJS.WritableStream;
      stdin.pipe(writable, { end: false });
      stdin.once('end', () => socket.end());
      this.done.finally(() => {
        stdin.unpipe(writable);
        stdin.destroy?.();
      });
    }
    return new Promise((resolve) => {
      socket.on('data', (chunk: Buffer) => demux.feed(chunk));
      // The daemon ends the stream when the container's stdout and stderr close (the socket is
      // half-open for stdin: our side is closed with the run).
      socket.once('end', () => resolve());
      socket.once('close', () => resolve());
      socket.resume();
    });
  }

  /** How the job ended: its status from the wait once the container is removed and its output copied. */
  private async outcome(wait: HttpExchange, copied: Promise<void>, id: string): Promise<ApiRunResult> {
    let status: { StatusCode?: number; Error?: { Message?: string } | null };
    try {
      status = JSON.parse((await wait.body).toString('utf8'));
    } catch (err) {
      return { exitCode: Status.RUNTIME_FAILED, failure: { stage: 'wait', message: (err as Error).message } };
    }
    if (wait.status !== 200) {
      return {
        exitCode: Status.RUNTIME_FAILED,
        failure: {
          stage: 'wait',
          status: wait.status,
          message: errorMessage(JSON.stringify(status), wait.status),
        },
      };
    }
    await bounded(copied, this.opts.timeout);
    if (status.Error?.Message) {
      return { exitCode: Status.RUNTIME_FAILED, failure: { stage: 'wait', message: status.Error.Message } };
    }
    this.opts.log.debug(`api: container ${id.slice(0, 12)} removed, status ${status.StatusCode}`);
    return { exitCode: status.StatusCode ?? Status.RUNTIME_FAILED };
  }

  /** After a refused start: the daemon removes the container (AutoRemove); if it does not in time, remove it. */
  private async removal(wait: HttpExchange, id: string): Promise<void> {
    if (
      !(await bounded(
        wait.body.then(() => true),
        this.opts.timeout,
      ))
    )
      await this.discard(id);
  }

  /** Removes the container ID (force, with its volumes); best effort. */
  private async discard(id: string): Promise<void> {
    try {
      await this.opts.client.call({ method: 'DELETE', path: `/containers/${id}?force=1&v=1` });
    } catch {
      // the caller reports the failure that brought us here
    }
  }

  private close(): void {
    this.cancel.abort();
    for (const socket of this.open) socket.destroy();
    this.stderrPipe?.end();
  }
}

const waitRequest = (id: string) => ({
  method: 'POST' as const,
  path: `/containers/${id}/wait?condition=removed`,
});

async function answerFailure(stage: ApiRunFailure['stage'], exchange: HttpExchange): Promise<ApiRunFailure> {
  const text = await bounded(
    exchange.body.then((b) => b.toString('utf8')),
    5,
  );
  return { stage, status: exchange.status, message: errorMessage(text || '', exchange.status) };
}
