/**
 * What the job tests share: a logger that keeps its lines, a signal source the test drives, the
 * run input (only the fields the job layer reads: lib/job/launch.ts), and a job context around
 * the fake runtime.
 */
import { EventEmitter } from 'node:events';
import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { jobFilesIn } from '../../../lib/host/private-dir.js';
import type { JobContext } from '../../../lib/job/run-job.js';
import type { Logger } from '../../../lib/kernel/log/logger.js';
import { type FakeScript, fakeRuntime } from '../../../lib/runtime/fake.js';
import type { RunInput } from '../../../lib/runtime/types.js';

export interface MemoryLogger extends Logger {
  lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return {
    lines,
    critical: at('CRITICAL'),
    error: at('ERROR'),
    warning: at('WARNING'),
    info: at('INFO'),
    debug: at('DEBUG'),
    debugEnabled: true,
    setLevel: () => {},
    flush: async () => {},
  };
}

/** A job's spec with only what the job layer reads (lib/job/launch.ts); the fake's argv needs no more. */
export function runInput(
  over: { image?: string; tty?: boolean; interactive?: boolean; memory?: number } = {},
) {
  return {
    name: 'lsf_77_0_4242',
    image: { ref: over.image ?? 'lsf-docker-test/busybox', pull: 'missing' },
    process: { interactive: over.interactive ?? false, tty: over.tty ?? false },
    resources: { memory: over.memory },
  } as unknown as RunInput;
}

export const FILES = jobFilesIn('/tmp/lsf-docker.4201.AbC123');

export interface JobHarness {
  ctx: JobContext;
  runtime: ReturnType<typeof fakeRuntime>;
  log: MemoryLogger;
  signals: EventEmitter;
  /** What the wrapper wrote to its stderr. */
  stderr: string[];
  send(signal: NodeJS.Signals): void;
}

/** A job context on the fake runtime scripted by SCRIPT, with the config changed by CHANGE. */
export function jobHarness(
  script: FakeScript,
  opts: { change?: (c: Config) => void; input?: RunInput; early?: string } = {},
): JobHarness {
  const config = defaultConfig();
  config.job.terminateInterval = 2;
  config.docker.timeout = 30;
  config.docker.pullBackoff = 0.01;
  opts.change?.(config);
  const runtime = fakeRuntime(script);
  const log = memoryLogger();
  const signals = new EventEmitter();
  const stderr: string[] = [];
  const ctx: JobContext = {
    spec: opts.input ?? runInput(),
    files: FILES,
    config,
    runtime,
    log,
    signals,
    stderr: (chunk) => {
      stderr.push(chunk.toString());
    },
    early: opts.early === undefined ? undefined : { release: () => opts.early },
  };
  return { ctx, runtime, log, signals, stderr, send: (s) => signals.emit(s, s) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
