import { LOG_LEVELS, type LogLevel } from './levels.js';

export interface Logger {
  critical(message: string): void;
  error(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** True when DEBUG lines are written: lets callers skip building expensive messages. */
  readonly debugEnabled: boolean;
  setLevel(level: LogLevel): void;
  /** Resolves when every line logged so far has been written. */
  flush(): Promise<void>;
}

const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);
const pending = new Set<Promise<void>>();

/** Waits until every logger has written what it was given (runProgram calls it before exiting). */
export async function flushLogs(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}

/**
 * A logger that writes through winston (lib/kernel/log/winston-backend.ts), loaded only when the first
 * line at an enabled level is logged: a job that logs nothing (the default WARNING level on a good
 * day) never pays for loading winston. Lines logged while it loads are queued in order.
 */
export function createLogger(program: string, level: LogLevel = 'WARNING'): Logger {
  let current = level;
  let backend: ((level: LogLevel, message: string) => void) | undefined;
  let loading: Promise<void> | undefined;
  const queue: Array<[LogLevel, string]> = [];

  const emit = (at: LogLevel) => (message: string) => {
    if (rank(at) > rank(current)) return;
    if (backend) return backend(at, message);
    queue.push([at, message]);
    if (!loading) {
      loading = import('./winston-backend.js').then(({ createWinstonBackend }) => {
        const write = createWinstonBackend(program);
        for (const [l, m] of queue.splice(0)) write(l, m);
        backend = write;
      });
      pending.add(loading);
      void loading.finally(() => pending.delete(loading!));
    }
  };
  return {
    critical: emit('CRITICAL'),
    error: emit('ERROR'),
    warning: emit('WARNING'),
    info: emit('INFO'),
    debug: emit('DEBUG'),
    get debugEnabled() {
      return current === 'DEBUG';
    },
    setLevel(next: LogLevel) {
      current = next;
    },
    flush: async () => {
      await loading;
    },
  };
}
