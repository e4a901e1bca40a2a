import { type KeyDef, key, section } from '../key-def.js';
import { bool, envNames, regexps } from '../parsers.js';

/** [environment]: which variables reach the container. */
export interface EnvironmentConfig {
  deny: string[];
  preserve: boolean;
  /** Variables passed from the job's environment even when it is not preserved. */
  pass: string[];
}

export const environmentDefaults = (): EnvironmentConfig => ({
  deny: [],
  preserve: true,
  pass: [],
});

export const ENVIRONMENT_KEYS: KeyDef[] = section<EnvironmentConfig>('environment', [
  key('deny', regexps, (s, v) => (s.deny = v)),
  key('preserve', bool, (s, v) => (s.preserve = v)),
  key('pass', envNames, (s, v) => (s.pass = v)),
]);
