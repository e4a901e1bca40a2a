import { type KeyDef, key, section } from '../key-def.js';
import { bool, regexps } from '../parsers.js';

/** [environment]: which variables reach the container. */
export interface EnvironmentConfig {
  deny: string[];
  preserve: boolean;
}

export const environmentDefaults = (): EnvironmentConfig => ({
  deny: [],
  preserve: true,
});

export const ENVIRONMENT_KEYS: KeyDef[] = section<EnvironmentConfig>('environment', [
  key('deny', regexps, (s, v) => (s.deny = v)),
  key('preserve', bool, (s, v) => (s.preserve = v)),
]);
