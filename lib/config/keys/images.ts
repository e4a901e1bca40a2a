import { type KeyDef, key, section } from '../key-def.js';
import { registries } from '../parsers.js';

/** [images]: which registries images may come from (aliases are the [image_aliases] section). */
export interface ImagesConfig {
  allowRegistries: string[];
  aliases: Record<string, string>;
}

export const imagesDefaults = (): ImagesConfig => ({
  allowRegistries: [],
  aliases: {},
});

export const IMAGES_KEYS: KeyDef[] = section<ImagesConfig>('images', [
  key('allow_registries', registries, (s, v) => (s.allowRegistries = v)),
]);
