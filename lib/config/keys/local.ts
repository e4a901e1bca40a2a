import { cpus } from 'node:os';
import { type KeyDef, key, section } from '../key-def.js';
import { absPath, int, oneOf } from '../parsers.js';

/** [local]: the local LSF emulation. */
export interface LocalConfig {
  slots: number;
  stateDir: string | undefined;
  jobStarter: string | undefined;
  /**
   * How the emulation starts the job starters (issue 16): `direct` as the user (who then needs the
   * runtime, e.g. the docker group), `sudo` through the installed sudo rule. Absent: direct.
   */
  starter: 'direct' | 'sudo';
}

export const localDefaults = (): LocalConfig => ({
  slots: Math.max(1, cpus().length),
  stateDir: undefined,
  jobStarter: undefined,
  starter: 'direct',
});

export const LOCAL_KEYS: KeyDef[] = section<LocalConfig>('local', [
  key('slots', int(1, 100000), (s, v) => (s.slots = v)),
  key('state_dir', absPath, (s, v) => (s.stateDir = v)),
  key('job_starter', absPath, (s, v) => (s.jobStarter = v)),
  key('starter', oneOf('direct', 'sudo'), (s, v) => (s.starter = v as LocalConfig['starter'])),
]);
