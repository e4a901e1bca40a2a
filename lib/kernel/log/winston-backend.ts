import winston from 'winston';
import { formatLogLine, LOG_LEVELS, type LogLevel } from './levels.js';
import { redactSecrets } from './redact.js';

const winstonLevels = Object.fromEntries(LOG_LEVELS.map((name, index) => [name.toLowerCase(), index]));

/** The winston logger behind Logger: one formatted line per event on stderr, secrets redacted. */
export function createWinstonBackend(program: string): (level: LogLevel, message: string) => void {
  const logger = winston.createLogger({
    levels: winstonLevels,
    level: 'debug',
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
  return (level, message) => logger.log(level.toLowerCase(), message);
}
