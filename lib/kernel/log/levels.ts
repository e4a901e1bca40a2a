/** The wrapper's log levels, as RIS's LSF_DOCKER_RUN_LOGLEVEL names them, most severe first. */
export const LOG_LEVELS = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Parses a level name (case-insensitive; WARN is accepted for WARNING); undefined when not a level. */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined) return undefined;
  const upper = text.trim().toUpperCase();
  const name = upper === 'WARN' ? 'WARNING' : upper;
  return (LOG_LEVELS as readonly string[]).includes(name) ? (name as LogLevel) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `MMM DD HH:MM:SS program[PID]: LEVEL: message`, the syslog-like line RIS's wrapper prints. */
export function formatLogLine(date: Date, program: string, pid: number, level: LogLevel, message: string) {
  const stamp = `${MONTHS[date.getMonth()]} ${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${stamp} ${program}[${pid}]: ${level}: ${message}`;
}
