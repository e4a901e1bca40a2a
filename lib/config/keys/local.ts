import { cpus } from 'node:os';
import { type KeyDef, key, section } from '../key-def.js';
import { absPath, int } from '../parsers.js';

/** [local]: the local LSF emulation. */
export interface LocalConfig {
  slots: number;
  stateDir: string | undefined;
  jobStarter: string | undefined;
}

export const localDefaults = (): LocalConfig => ({
  slots: Math.max(1, cpus().length),
  stateDir: undefined,
  jobStarter: undefined,
});

export const LOCAL_KEYS: KeyDef[] = section<LocalConfig>('local', [
  key('slots', int(1, 100000), (s, v) => (s.slots = v)),
  key('state_dir', absPath, (s, v) => (s.stateDir = v)),
  key('job_starter', absPath, (s, v) => (s.jobStarter = v)),
]);
