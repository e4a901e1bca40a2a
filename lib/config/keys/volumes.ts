import { type KeyDef, key, section } from '../key-def.js';
import { absPaths, bool } from '../parsers.js';

/** [volumes]: where user volumes may come from and go to. */
export interface VolumesConfig {
  allow: string[];
  allowHome: boolean;
  denyTargets: string[];
}

export const volumesDefaults = (): VolumesConfig => ({
  allow: [],
  allowHome: true,
  denyTargets: [],
});

export const VOLUMES_KEYS: KeyDef[] = section<VolumesConfig>('volumes', [
  key('allow', absPaths, (s, v) => (s.allow = v)),
  key('allow_home', bool, (s, v) => (s.allowHome = v)),
  key('deny_targets', absPaths, (s, v) => (s.denyTargets = v)),
]);
