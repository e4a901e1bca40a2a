import { type KeyDef, key, section } from '../key-def.js';
import { oneOf } from '../parsers.js';

/** [scheduler]: which scheduler `lsf-docker bsub/bjobs/bkill/bpeek` talk to. */
export interface SchedulerConfig {
  /** local: the embedded LSF emulation (lib/local); slurm: a Slurm cluster (lib/slurm, [slurm]). */
  backend: 'local' | 'slurm';
}

export const schedulerDefaults = (): SchedulerConfig => ({ backend: 'local' });

export const SCHEDULER_KEYS: KeyDef[] = section<SchedulerConfig>('scheduler', [
  key('backend', oneOf('local', 'slurm'), (s, v) => (s.backend = v)),
]);
