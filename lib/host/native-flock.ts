import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * flock(2) without a process: the Node-API addon the install step builds beside the bundles
 * (scripts/flock-addon.c, dist/bundle/lsfd-flock.node), found from the running launcher
 * (PREFIX/bin/NAME). Undefined when there is none (a host without a C compiler or Node's headers,
 * a development checkout): the caller then uses util-linux flock(1).
 */
export type NativeFlock = (fd: number) => number;

/** EWOULDBLOCK (= EAGAIN on Linux): the lock is someone else's. */
export const LOCK_BUSY = 11;

let loaded: NativeFlock | null | undefined;

/** The addon's path for the launcher LAUNCHER (its real path's ../dist/bundle). Pure. */
export const addonPathFor = (realLauncher: string) =>
  join(dirname(realLauncher), '..', 'dist', 'bundle', 'lsfd-flock.node');

export function nativeFlock(): NativeFlock | undefined {
  if (loaded === undefined) {
    loaded = null;
    try {
      const addon = createRequire(import.meta.url)(addonPathFor(realpathSync(process.argv[1] ?? ''))) as {
        flock?: unknown;
      };
      if (typeof addon.flock === 'function') loaded = addon.flock as NativeFlock;
    } catch {
      // none installed: flock(1)
    }
  }
  return loaded ?? undefined;
}
