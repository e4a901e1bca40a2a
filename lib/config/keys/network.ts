import { type KeyDef, key, section } from '../key-def.js';
import { list } from '../parsers.js';

/** [network]: the network modes a job may ask for. */
export interface NetworkConfig {
  allow: string[];
}

export const networkDefaults = (): NetworkConfig => ({
  allow: ['default', 'bridge', 'none', 'host'],
});

export const NETWORK_KEYS: KeyDef[] = section<NetworkConfig>('network', [
  key('allow', list, (s, v) => (s.allow = v)),
]);
