import { type KeyDef, key, section } from '../key-def.js';
import { bool, seconds } from '../parsers.js';

/** [job]: the job lifecycle: terminate interval, sweep on start. */
export interface JobConfig {
  terminateInterval: number;
  sweepOnStart: boolean;
}

export const jobDefaults = (): JobConfig => ({
  terminateInterval: 10,
  sweepOnStart: true,
});

export const JOB_KEYS: KeyDef[] = section<JobConfig>('job', [
  key('terminate_interval', seconds(3600), (s, v) => (s.terminateInterval = v)),
  key('sweep_on_start', bool, (s, v) => (s.sweepOnStart = v)),
]);
