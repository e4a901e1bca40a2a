import { type KeyDef, key, section } from '../key-def.js';
import { int, oneOf, size, ulimits } from '../parsers.js';

/** [resources]: memory, swap, cpu shares, ulimits, shm size. */
export interface ResourcesConfig {
  memory: number | undefined;
  maxMemory: number | undefined;
  swap: 'none' | 'unlimited';
  cpuSharesPerSlot: number;
  ulimits: string[];
  maxShmSize: number | undefined;
  /** A job whose limits the runtime cannot enforce (rootless podman on cgroup v1): refused (228), or run with a WARNING. */
  unenforceable: 'refuse' | 'warn';
}

export const resourcesDefaults = (): ResourcesConfig => ({
  memory: 4096 * 1024 * 1024,
  maxMemory: undefined,
  swap: 'none',
  cpuSharesPerSlot: 1024,
  ulimits: [],
  maxShmSize: undefined,
  unenforceable: 'refuse',
});

export const RESOURCES_KEYS: KeyDef[] = section<ResourcesConfig>('resources', [
  key('memory', size, (s, v) => (s.memory = v)),
  key('max_memory', size, (s, v) => (s.maxMemory = v)),
  key('swap', oneOf('none', 'unlimited'), (s, v) => (s.swap = v)),
  key('cpu_shares_per_slot', int(2, 262144), (s, v) => (s.cpuSharesPerSlot = v)),
  key('ulimit', ulimits, (s, v) => (s.ulimits = v)),
  key('max_shm_size', size, (s, v) => (s.maxShmSize = v)),
  key('unenforceable', oneOf('refuse', 'warn'), (s, v) => (s.unenforceable = v)),
]);
