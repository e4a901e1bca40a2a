import type { LogLevel } from '../../kernel/log/levels.js';
import { type KeyDef, key, section } from '../key-def.js';
import { logLevel } from '../parsers.js';

/** [log]: the log level. */
export interface LogConfig {
  level: LogLevel;
}

export const logDefaults = (): LogConfig => ({
  level: 'WARNING',
});

export const LOG_KEYS: KeyDef[] = section<LogConfig>('log', [
  key('level', logLevel, (s, v) => (s.level = v)),
]);
