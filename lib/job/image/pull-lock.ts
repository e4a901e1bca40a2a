import { closeSync, constants, fchmodSync, fstatSync, openSync, statSync } from 'node:fs';
import { childProcess } from '../../kernel/builtin.js';
import { refHash } from './state-dir.js';

/** How taking the pull lock of one image ended. */
export type LockResult =
  /** Ours until release(); WAITED: another job held it first (and has probably pulled the image). */
  | { kind: 'held'; waited: boolean; release(): void }
  /** No lock could be taken (no dir, a planted file, waited longer than allowed): pull without it. */
  | { kind: 'none'; why: string }
  /** A signal stopped the wait. */
  | { kind: 'aborted' };

/** The per-host pull locks: one per image reference. */
export interface PullLocks {
  acquire(
    image: string,
    opts: { waitSeconds: number; signal: AbortSignal; onWait: () => void },
  ): Promise<LockResult>;
}

const FLOCK_PATH = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' };
const BUSY = 75;

/**
 * The mode of the lock files in a state dir of mode DIRMODE. Where others may write (a
 * docker-group host, 1777: users' own jobs take the locks as themselves) 0644, so that every job
 * can lock them; where only root writes (the secure deployment: every job's docker_run is root)
 * 0600, so that no user can open one and hold its lock: a held GC lock stopped every GC on the
 * host, a held pull lock made each job that pulls wait out [docker] pull_timeout. Pure.
 */
export const lockFileMode = (dirMode: number): number => ((dirMode & 0o022) !== 0 ? 0o644 : 0o600);

function dirMode(dir: string): number {
  try {
    return statSync(dir).mode;
  } catch {
    return 0o755;
  }
}

/**
 * Opens (creating with O_EXCL, mode lockFileMode) the lock file of IMAGE in DIR, never following
 * a symlink (O_NOFOLLOW) nor blocking on a planted FIFO (O_NONBLOCK), and only when it is a
 * regular file; one of ours with another mode (an older install's 0644 on a secure host) gets
 * the mode it should have. Undefined with the reason otherwise.
 */
export function openLockFile(dir: string, canonical: string): { fd?: number; why?: string } {
  const path = `${dir}/pull.${refHash(canonical)}.lock`;
  const mode = lockFileMode(dirMode(dir));
  const { O_RDONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, mode);
    fchmodSync(fd, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      return { why: `${path}: ${(err as Error).message}` };
    try {
      fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (again) {
      return { why: `${path}: ${(again as Error).message}` };
    }
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return { why: `${path} is not a regular file` };
  }
  if (st.uid === process.geteuid?.() && (st.mode & 0o777) !== mode) fchmodSync(fd, mode);
  return { fd };
}

const release = (fd: number) => () => {
  try {
    closeSync(fd);
  } catch {
    // already released
  }
};

/** Waits for flock on FD (util-linux `flock --timeout`, on the descriptor we share with it). */
function waitFlock(
  fd: number,
  seconds: number,
  signal: AbortSignal,
): Promise<'held' | 'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(
      'flock',
      ['--timeout', String(Math.ceil(seconds)), '--conflict-exit-code', String(BUSY), '3'],
      {
        stdio: ['ignore', 'ignore', 'ignore', fd],
        env: FLOCK_PATH,
      },
    );
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', () => resolve('timeout'));
    child.once('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      resolve(signal.aborted ? 'aborted' : code === 0 ? 'held' : 'timeout');
    });
  });
}

/**
 * Kernel locks (flock(2)) on one file per image in DIR: they die with their holder (a killed job
 * never leaves a stale lock). The first job takes it at once; the others say they wait, and wait
 * at most WAITSECONDS (a lock someone planted and holds cannot stop a job for longer than that).
 */
export function fileLocks(dir: string, canonicalOf: (image: string) => string): PullLocks {
  return {
    async acquire(image, { waitSeconds, signal, onWait }) {
      const { fd, why } = openLockFile(dir, canonicalOf(image));
      if (fd === undefined) return { kind: 'none', why: why ?? 'cannot open the lock' };
      const now = childProcess().spawnSync(
        'flock',
        ['--nonblock', '--conflict-exit-code', String(BUSY), '3'],
        {
          stdio: ['ignore', 'ignore', 'ignore', fd],
          env: FLOCK_PATH,
        },
      );
      if (now.status === 0) return { kind: 'held', waited: false, release: release(fd) };
      if (now.status !== BUSY) {
        closeSync(fd);
        return { kind: 'none', why: `flock: ${now.error?.message ?? `exit ${now.status}`}` };
      }
      onWait();
      const waited = await waitFlock(fd, waitSeconds, signal);
      if (waited === 'held') return { kind: 'held', waited: true, release: release(fd) };
      closeSync(fd);
      return waited === 'aborted'
        ? { kind: 'aborted' }
        : { kind: 'none', why: `still held by another job after ${waitSeconds}s` };
    },
  };
}
