import { type KeyDef, key, section } from '../key-def.js';
import { bool, registries, str } from '../parsers.js';

/** [build]: docker_build policy. */
export interface BuildConfig {
  allowNetworkHost: boolean;
  requireUserNamespace: boolean;
  allowRegistries: string[];
  defaultRegistry: string;
}

export const buildDefaults = (): BuildConfig => ({
  allowNetworkHost: false,
  requireUserNamespace: false,
  allowRegistries: [],
  defaultRegistry: 'docker.io',
});

export const BUILD_KEYS: KeyDef[] = section<BuildConfig>('build', [
  key('allow_network_host', bool, (s, v) => (s.allowNetworkHost = v)),
  key('require_user_namespace', bool, (s, v) => (s.requireUserNamespace = v)),
  key('allow_registries', registries, (s, v) => (s.allowRegistries = v)),
  key('default_registry', str, (s, v) => (s.defaultRegistry = v)),
]);
