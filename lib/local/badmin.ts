import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { usageError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { openLocal, out, shortHost } from './context.js';
import { closedFlag } from './state.js';

export const badmin: Subcommand = async (argv, ctx) => {
  const [action, host] = argv;
  if (action !== 'hclose' && action !== 'hopen') throw usageError('badmin: hclose [HOST] | hopen [HOST]');
  if (host !== undefined && host !== shortHost() && host !== 'all')
    throw usageError(`badmin ${action}: ${host} is not this host (${shortHost()})`);
  const local = openLocal(ctx.config);
  const flag = closedFlag(local.dirs);
  if (action === 'hclose') {
    if (!existsSync(flag))
      writeFileSync(flag, `closed by uid ${local.uid} at ${new Date().toISOString()}\n`, { mode: 0o644 });
    out(`Close <${shortHost()}> ...... done\n`);
  } else {
    try {
      rmSync(flag, { force: true });
    } catch (e) {
      throw new WrapperError(
        ExitCode.USAGE,
        `badmin hopen: ${flag}: ${(e as Error).message} (only the user who closed the host, or root, can open it)`,
      );
    }
    out(`Open <${shortHost()}> ...... done\n`);
  }
  return 0;
};
