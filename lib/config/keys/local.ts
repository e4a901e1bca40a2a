import { availableParallelism } from 'node:os';
import { type KeyDef, key, section } from '../key-def.js';
import { absPath, int, oneOf, seconds } from '../parsers.js';

/** [local]: the local LSF emulation. */
export interface LocalConfig {
  slots: number;
  stateDir: string | undefined;
  jobStarter: string | undefined;
  /**
   * How the dispatcher starts the job starters (docker_run, docker_build, docker_exec): `direct`
   * runs them as the user (who then needs access to the runtime), `sudo` through the installed
   * sudo rule (`sudo -n PROGRAM`). Plain jobs always run as the user.
   */
  starter: 'direct' | 'sudo';
  /** Seconds an idle dispatcher (no pending or running job) waits before it exits. */
  dispatcherIdle: number;
  /** Times a job whose pre-exec (-E) fails pends again before it exits. */
  preExecRetries: number;
}

export const localDefaults = (): LocalConfig => ({
  slots: Math.max(1, availableParallelism()),
  stateDir: undefined,
  jobStarter: undefined,
  starter: 'direct',
  dispatcherIdle: 60,
  preExecRetries: 5,
});

export const LOCAL_KEYS: KeyDef[] = section<LocalConfig>('local', [
  key('slots', int(1, 100000), (s, v) => (s.slots = v)),
  key('state_dir', absPath, (s, v) => (s.stateDir = v)),
  key('job_starter', absPath, (s, v) => (s.jobStarter = v)),
  key('starter', oneOf('direct', 'sudo'), (s, v) => (s.starter = v)),
  key('dispatcher_idle', seconds(86400), (s, v) => (s.dispatcherIdle = v)),
  key('pre_exec_retries', int(0, 1000), (s, v) => (s.preExecRetries = v)),
]);
