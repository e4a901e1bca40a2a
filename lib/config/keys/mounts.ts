import { type KeyDef, key, section } from '../key-def.js';
import type { MountSpec } from '../mount-spec.js';
import { mounts } from '../parsers.js';

/** [mounts]: mounts the admin adds to every job. */
export interface MountsConfig {
  mount: MountSpec[];
}

export const mountsDefaults = (): MountsConfig => ({
  mount: [],
});

export const MOUNTS_KEYS: KeyDef[] = section<MountsConfig>('mounts', [
  key('mount', mounts, (s, v) => (s.mount = v)),
]);
