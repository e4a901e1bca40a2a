import type { Config } from '../../config/schema.js';
import { parseImageRef } from '../../kernel/grammar/image.js';
import type { Logger } from '../../kernel/log/logger.js';
import { recordUse } from './last-use.js';
import { fileLocks, type PullLocks } from './pull-lock.js';
import { hostStateDir } from './state-dir.js';

/** An image reference as the state files name it (docker.io/library/busybox:latest). */
export function canonicalRef(image: string): string {
  const parsed = parseImageRef(image);
  return parsed.ok ? parsed.ref.canonical : image;
}

/** What a job's start does with the host's image state: its pull locks, and the record of its image's use. */
export interface JobImageState {
  locks?: PullLocks;
  /** Where the records are (the trusted host dir), if anywhere. */
  dir?: string;
  recordUse(image: string): void;
}

/**
 * The image state of this host for a job of UID: the host dir when it is trusted (locks shared
 * by every user, last-use records for the GC); else none (every job pulls by itself, as before
 * the state dir was provisioned). Never fails a job: problems are DEBUG lines.
 */
export function jobImageState(config: Config, uid: number, euid: number, log: Logger): JobImageState {
  const host = hostStateDir(config.images.stateDir, euid);
  if (host.dir) {
    const dir = host.dir;
    return {
      locks: fileLocks(dir, canonicalRef),
      dir,
      recordUse(image) {
        const problem = recordUse(dir, uid, canonicalRef(image));
        if (problem) log.debug(`last use of ${image} not recorded: ${problem}`);
      },
    };
  }
  log.debug(`${host.problem}: no pull locks, no last-use records`);
  return { recordUse: () => {} };
}
