import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { usageError } from '../kernel/errors.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { writeAtomic } from './atomic.js';
import { err, type Local, openLocal, sleep } from './context.js';
import { Dispatcher, type Leaving } from './dispatcher.js';
import { InstallWatch } from './install-watch.js';
import { type HeldLock, release, tryLock } from './lock.js';
import { dispatcherLockPath, ensureDispatcher } from './wake.js';

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
  const say = (what: string) => process.stderr.write(`${stamp()} dispatcher ${process.pid} ${what}\n`);
  let held = true;
  const letGo = () => {
    if (held) release(lock); // once: its descriptor's number may be another file's by then
    held = false;
  };
  return new Promise<number>((resolve) => {
    const leave = (why: string) => {
      d.stop();
      say(`leaves: ${why}`);
      letGo();
      resolve(0);
    };
    const leaving: Leaving = {
      idle: () => leave('idle'),
      handOver: () => {
        say(`hands over: a new lsf-docker is installed (${d.runs.size} job(s) it started stay with it)`);
        letGo();
        ensureDispatcher(local.dirs, ctx.config, local.home);
      },
      drained: () => leave('the last job it started ended'),
    };
    const d = new Dispatcher(local, leaving, ctx, new InstallWatch(programFiles()));
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
      process.on(s, () => {
        leave(`${s} (running jobs go on; the next dispatcher adopts them)`);
        process.exit(0);
      });
    d.start();
  });
};

/** The running program's launcher and bundle, watched for an upgrade (scripts/install.sh replaces both). */
function programFiles(): string[] {
  const launcher = realpathSync(process.argv[1]!);
  const bundle = join(dirname(dirname(launcher)), 'dist', 'bundle', 'lsf_docker.cjs');
  return existsSync(bundle) ? [launcher, bundle] : [launcher];
}

const LOCK_WAIT_MS = 5000;

/** Takes the user dir's dispatcher lock, waiting a little for a leaving dispatcher to let go. */
async function takeDispatcherLock(local: Local): Promise<HeldLock | undefined> {
  const end = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const lock = tryLock(dispatcherLockPath(local.dirs));
    if (lock || Date.now() > end) return lock;
    await sleep(100);
  }
}
