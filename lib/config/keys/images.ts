import { type KeyDef, key, section } from '../key-def.js';
import { registries } from '../parsers.js';

/** [images]: which registries images may come from (aliases are the [image_aliases] section). */
export interface ImagesConfig {
  allowRegistries: string[];
  /**
   * Registries spoken to over plain HTTP (or TLS without verification): podman gets
   * --tls-verify=false for its pull, login and push there. Docker's daemon has its own list.
   */
  insecureRegistries: string[];
  aliases: Record<string, string>;
}

export const imagesDefaults = (): ImagesConfig => ({
  allowRegistries: [],
  insecureRegistries: [],
  aliases: {},
});

export const IMAGES_KEYS: KeyDef[] = section<ImagesConfig>('images', [
  key('allow_registries', registries, (s, v) => (s.allowRegistries = v)),
  key('insecure_registries', registries, (s, v) => (s.insecureRegistries = v)),
]);
