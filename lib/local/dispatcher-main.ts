import { join } from 'node:path';
import { usageError } from '../kernel/errors.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { writeAtomic } from './atomic.js';
import { err, openLocal } from './context.js';
import { Dispatcher, takeDispatcherLock } from './dispatcher.js';
import { release } from './lock.js';

/**
 * `lsf-docker dispatcher [--daemon]`: the user's dispatcher on this host. bsub (and any b* command
 * that finds jobs waiting and none listening) starts it with --daemon, detached; run by hand it
 * says where it works. It leaves after [local] dispatcher_idle seconds with nothing to do, and
 * exits 0 at once when another one already holds the user dir.
 */
export const dispatcherCommand: Subcommand = async (argv, ctx) => {
  const daemon = argv.includes('--daemon');
  const unknown = argv.find((w) => w !== '--daemon');
  if (unknown) throw usageError(`dispatcher: unknown argument ${unknown} (dispatcher [--daemon])`);
  const local = openLocal(ctx.config);
  process.umask(0o022);
  const lock = await takeDispatcherLock(local);
  if (!lock) {
    if (!daemon) err(`dispatcher: another dispatcher is running for ${local.dirs.user}\n`);
    return 0;
  }
  if (!daemon) err(`dispatcher: running for ${local.dirs.user} (pid ${process.pid})\n`);
  writeAtomic(join(local.dirs.user, 'dispatcher.pid'), `${process.pid}\n`, 0o644);
  const stamp = () => new Date().toISOString();
  process.stderr.write(`${stamp()} dispatcher ${process.pid} started for ${local.dirs.user}\n`);
  return new Promise<number>((resolve) => {
    const leave = (why: string) => {
      d.stop();
      process.stderr.write(`${stamp()} dispatcher ${process.pid} leaves: ${why}\n`);
      release(lock);
      resolve(0);
    };
    const d = new Dispatcher(local, () => leave('idle'), ctx);
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
      process.on(s, () => {
        leave(`${s} (running jobs go on; the next dispatcher adopts them)`);
        process.exit(0);
      });
    d.start();
  });
};
