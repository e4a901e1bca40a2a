import { join } from 'node:path';
import { usageError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { createExclusive } from './atomic.js';
import { openLocal, out, shortHost } from './context.js';
import { closeHost, openHost } from './drain.js';
import { wakeDispatcher } from './wake.js';

/**
 * Root makes the slot lock files itself (root 0644, which no user can replace or chmod in the
 * sticky locks/ dir), so that no user's planted file ever sits under a slot's first name.
 */
function seedSlotLocks(lockDir: string, slots: number): void {
  for (let k = 0; k < slots; k++) {
    try {
      createExclusive(join(lockDir, `slot.${k}`), '', 0o644);
    } catch {
      // a name someone else took: the lock walk moves past it
    }
  }
}

export const badmin: Subcommand = async (argv, ctx) => {
  const [action, host] = argv;
  if (action !== 'hclose' && action !== 'hopen') throw usageError('badmin: hclose [HOST] | hopen [HOST]');
  if (host !== undefined && host !== shortHost() && host !== 'all')
    throw usageError(`badmin ${action}: ${host} is not this host (${shortHost()})`);
  const local = openLocal(ctx.config, { admin: true });
  if (local.uid === 0 && local.dirs.shared)
    seedSlotLocks(join(local.dirs.host, 'locks'), local.config.local.slots);
  try {
    if (action === 'hclose') closeHost(local.dirs, local.uid);
    else openHost(local.dirs, local.uid);
  } catch (e) {
    throw new WrapperError(ExitCode.USAGE, `badmin ${action}: ${(e as Error).message}`);
  }
  if (action === 'hopen' && local.uid !== 0) wakeDispatcher(local.dirs);
  out(`${action === 'hclose' ? 'Close' : 'Open'} <${shortHost()}> ...... done\n`);
  return 0;
};
