import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  realpathSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { childProcess, nodeNet } from '../kernel/builtin.js';
import type { StateDirs } from './state.js';

/**
 * How commands reach the user's dispatcher: a fifo in the user dir (0700, so only the user and
 * root can open it). The dispatcher keeps it open for reading (and writing, so it never sees an
 * end of file) while it lives; a command writes one byte to wake it. Opening the fifo for writing
 * without blocking fails with ENXIO when nobody reads it: that is how bsub knows to start one.
 */
export const fifoPath = (dirs: Pick<StateDirs, 'user'>) => join(dirs.user, 'dispatcher.fifo');
/** Held (flock) by the one dispatcher of the user dir. */
export const dispatcherLockPath = (dirs: Pick<StateDirs, 'user'>) => join(dirs.user, 'dispatcher.lock');
export const dispatcherLogPath = (dirs: Pick<StateDirs, 'user'>) => join(dirs.user, 'dispatcher.log');

/** Wakes the dispatcher of DIRS; false when none is listening. */
export function wakeDispatcher(dirs: Pick<StateDirs, 'user'>): boolean {
  let fd: number;
  try {
    fd = openSync(fifoPath(dirs), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return false; // ENXIO (nobody reads), ENOENT (never made), ELOOP (not ours)
  }
  try {
    if (!fstatSync(fd).isFIFO()) return false;
    writeSync(fd, 'w');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return false; // EAGAIN: full, so awake anyway
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Makes the fifo (0600) if it is missing or is not a fifo of ours. */
function ensureFifo(path: string): void {
  try {
    const st = lstatSync(path);
    if (st.isFIFO() && st.uid === process.geteuid!()) return;
    rmSync(path, { force: true, recursive: true });
  } catch {
    // missing
  }
  const r = childProcess().spawnSync('mkfifo', ['-m', '600', path], {
    env: { PATH: '/usr/bin:/bin' },
    stdio: 'ignore',
  });
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed`);
}

/** Listens on the fifo; ON_WAKE is called for every batch of bytes. Returns the closer. */
export function listenForWakes(dirs: Pick<StateDirs, 'user'>, onWake: () => void): () => void {
  const path = fifoPath(dirs);
  ensureFifo(path);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  // node:net loaded here, in the dispatcher only: a command that wakes it never needs it.
  const socket = new (nodeNet().Socket)({ fd, readable: true, writable: false });
  socket.on('data', () => onWake());
  socket.on('error', (err) => process.stderr.write(`lsf-docker dispatcher: fifo: ${err.message}\n`));
  return () => socket.destroy();
}

const LOG_LIMIT = 1024 * 1024;

/**
 * Wakes the dispatcher of DIRS, starting one when none listens: `lsf-docker [--config FILE]
 * dispatcher`, detached in a session of its own (it survives the submitting shell), logging to
 * dispatcher.log. Two commands may start one at the same moment: the second finds the lock held
 * and leaves.
 */
export function ensureDispatcher(
  dirs: Pick<StateDirs, 'user'>,
  configPath: string | undefined,
  home: string,
) {
  if (wakeDispatcher(dirs)) return;
  const log = dispatcherLogPath(dirs);
  try {
    if (statSync(log).size > LOG_LIMIT) truncateSync(log, 0);
  } catch {
    // no log yet
  }
  const fd = openSync(
    log,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  const child = childProcess().spawn(
    process.execPath,
    [
      realpathSync(process.argv[1]!),
      ...(configPath ? ['--config', resolve(configPath)] : []),
      'dispatcher',
      '--daemon',
    ],
    {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: '/',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: home,
        LANG: 'C.UTF-8',
      },
    },
  );
  child.unref();
  closeSync(fd);
}
