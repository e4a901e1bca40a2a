import { type KeyDef, key, section } from '../key-def.js';
import { list } from '../parsers.js';

/** [ipc]: the ipc modes a job may ask for. */
export interface IpcConfig {
  allow: string[];
}

export const ipcDefaults = (): IpcConfig => ({
  allow: ['default', 'private', 'shareable', 'none', 'host'],
});

export const IPC_KEYS: KeyDef[] = section<IpcConfig>('ipc', [key('allow', list, (s, v) => (s.allow = v))]);
