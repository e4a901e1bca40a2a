import winston from 'winston';
import { formatLogLine, LOG_LEVELS, type LogLevel } from './levels.js';
import { redactSecrets } from './redact.js';

export interface Logger {
  critical(message: string): void;
  error(message: string): void;
  warning(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** True when DEBUG lines are written: lets callers skip building expensive messages. */
  readonly debugEnabled: boolean;
  setLevel(level: LogLevel): void;
}

const winstonLevels = Object.fromEntries(LOG_LEVELS.map((name, index) => [name.toLowerCase(), index]));

/** A winston logger writing one formatted line per event to stderr, secrets redacted. */
export function createLogger(program: string, level: LogLevel = 'WARNING'): Logger {
  const logger = winston.createLogger({
    levels: winstonLevels,
    level: level.toLowerCase(),
    format: winston.format.printf((info) =>
      formatLogLine(
        new Date(),
        program,
        process.pid,
        String(info.level).toUpperCase() as LogLevel,
        redactSecrets(String(info.message)),
      ),
    ),
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winstonLevels) })],
  });
  let current = level;
  const at = (name: LogLevel) => (message: string) => logger.log(name.toLowerCase(), message);
  return {
    critical: at('CRITICAL'),
    error: at('ERROR'),
    warning: at('WARNING'),
    info: at('INFO'),
    debug: at('DEBUG'),
    get debugEnabled() {
      return current === 'DEBUG';
    },
    setLevel(next: LogLevel) {
      current = next;
      logger.level = next.toLowerCase();
    },
  };
}
