import { type KeyDef, key, section } from '../key-def.js';
import { absPath } from '../parsers.js';

/** [paths]: where the private dirs and job tmpdirs go. */
export interface PathsConfig {
  tmpRoot: string;
  jobTmpRoot: string;
}

export const pathsDefaults = (): PathsConfig => ({
  tmpRoot: '/tmp',
  jobTmpRoot: '/tmp',
});

export const PATHS_KEYS: KeyDef[] = section<PathsConfig>('paths', [
  key('tmp_root', absPath, (s, v) => (s.tmpRoot = v)),
  key('job_tmp_root', absPath, (s, v) => (s.jobTmpRoot = v)),
]);
