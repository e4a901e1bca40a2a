import { statSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/**
 * Configs by path for a long-lived process (the dispatcher), each re-read when its file changed
 * (inode and mtime) and the last good one kept when a change does not load.
 */
export class ConfigCache {
  private readonly configs = new Map<string, { stamp: string; config: Config }>();

  /** The config at PATH (the default one for undefined); undefined when it never loaded. */
  at(path: string | undefined): Config | undefined {
    const key = path ?? '';
    let stamp = 'default';
    try {
      if (path) {
        const st = statSync(path);
        stamp = `${st.ino}:${st.mtimeMs}`;
      }
    } catch {
      return this.configs.get(key)?.config;
    }
    const hit = this.configs.get(key);
    if (hit && hit.stamp === stamp && path) return hit.config;
    try {
      const config = loadConfig(path, { euid: process.geteuid!() }).config;
      this.configs.set(key, { stamp, config });
      return config;
    } catch {
      return hit?.config; // keep the last good one
    }
  }
}
