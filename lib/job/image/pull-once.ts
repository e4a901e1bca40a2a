import { Status } from '../../kernel/exit-codes.js';
import type { CallResult, ContainerRuntime } from '../../runtime/types.js';

/** How the user sees a pull: two lines in the job's log (batch), or the runtime's own progress (interactive). */
export type PullProgress = 'lines' | 'terminal';

export interface PullOnceOptions {
  timeout: number;
  progress: PullProgress;
  /** TTY: the job has a terminal (the runtime draws its progress bars on it). */
  tty: boolean;
  abort: AbortSignal;
  /** Where the runtime's progress goes when it is not the terminal itself (the wrapper's stderr). */
  write: (text: string) => void;
}

/**
 * One pull, its outcome as a CallResult for the classifier. Batch: a short call (output
 * collected). Interactive: the CLI's progress is shown as it comes, on the terminal (tty) or on
 * the wrapper's stderr; stderr is kept for the classifier too. The timeout and an abort kill it.
 */
export async function pullOnce(
  runtime: ContainerRuntime,
  image: string,
  opts: PullOnceOptions,
): Promise<CallResult> {
  const argv = runtime.pullArgv(image);
  if (opts.progress === 'lines') return runtime.exec.call(argv, { timeout: opts.timeout });
  const child = runtime.exec.spawn(
    argv,
    { stdin: 'ignore', stdout: opts.tty ? 'inherit' : 'pipe', stderr: 'pipe' },
    { detached: false },
  );
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => opts.write(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderr = (stderr + text).slice(-16384);
    opts.write(text);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, opts.timeout * 1000);
  const onAbort = () => child.kill('SIGKILL');
  opts.abort.addEventListener('abort', onAbort, { once: true });
  const end = await child;
  clearTimeout(timer);
  opts.abort.removeEventListener('abort', onAbort);
  return {
    exitCode: end.exitCode ?? (timedOut ? Status.TIMED_OUT : Status.MAX),
    stdout: '',
    stderr: end.error ? `${stderr}${end.error}` : stderr,
    timedOut,
    signal: end.signal,
  };
}
