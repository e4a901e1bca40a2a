import type { LogLevel } from '../../kernel/log/levels.js';
import { type KeyDef, key, section } from '../key-def.js';
import { logLevel, optionalAbsPath } from '../parsers.js';

/** [log]: the log level, and the audit file of profile jobs. */
export interface LogConfig {
  level: LogLevel;
  /** One line per job that uses a [profile NAME]; undefined: the line goes to the job's log. */
  audit: string | undefined;
}

export const logDefaults = (): LogConfig => ({
  level: 'WARNING',
  audit: undefined,
});

export const LOG_KEYS: KeyDef[] = section<LogConfig>('log', [
  key('level', logLevel, (s, v) => (s.level = v)),
  key('audit', optionalAbsPath, (s, v) => (s.audit = v)),
]);
