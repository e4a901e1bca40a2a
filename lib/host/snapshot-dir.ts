/**
 * The user-side step's environment snapshot (`lsf-docker sudo`: scripts/sudo-step.c, or
 * lib/run/via-sudo.ts) lives in a 0700 dir of the user's in /tmp until that step removes it when
 * its program ends. A step killed with SIGKILL (bkill -s KILL, LSF's last signal to the job's
 * process group) cannot, so the program removes it itself once it has read it.
 *
 * Root reads and removes it in this process, with no reader process as the user: the file must
 * be the step's, which the checks prove from descriptors, not names. The dir, opened without
 * following a symlink, is a directory of the user's that nobody else may enter (0700 or less);
 * the file, opened through that descriptor (/proc/self/fd/N/environ) without following one, is
 * a regular file of the user's with one link. Such a file is one the user made in a dir they own:
 * nothing the user could not read themselves (a hard link, a symlink or a swapped dir fails a
 * check). Any other path is read as the user (lib/host/user-files.ts).
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  rmdirSync,
  type Stats,
  unlinkSync,
} from 'node:fs';
import { type Reader, readUserFileText, UserFileError } from './user-files.js';

/** The snapshot file the step writes for UID: /tmp/lsf-docker-env.UID.XXXXXX/environ (mkdtemp). */
export const snapshotPattern = (uid: number) =>
  new RegExp(`^/tmp/lsf-docker-env\\.${uid}\\.[A-Za-z0-9]{6}/environ$`);

/** The dir to remove for FILE, or undefined when FILE is not a snapshot the step wrote for UID. Pure. */
export function snapshotDirOf(file: string, uid: number): string | undefined {
  return snapshotPattern(uid).test(file) ? file.slice(0, -'/environ'.length) : undefined;
}

/** Why the step's dir (its fstat) is not one of UID's that only UID may enter, or undefined. Pure. */
export function foreignDir(st: Pick<Stats, 'uid' | 'mode'> & { isDirectory(): boolean }, uid: number) {
  return !st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0
    ? 'is not a snapshot of yours'
    : undefined;
}

/** Why the snapshot file (its fstat) is not the step's, or undefined. Pure. */
export function foreignFile(
  st: Pick<Stats, 'uid' | 'nlink' | 'size'> & { isFile(): boolean },
  uid: number,
  limit: number,
): 'is not a regular file' | 'is not a snapshot of yours' | 'is larger than the limit' | undefined {
  if (!st.isFile()) return 'is not a regular file';
  if (st.uid !== uid || st.nlink !== 1) return 'is not a snapshot of yours';
  return st.size > limit ? 'is larger than the limit' : undefined;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The step's dir DIR of UID, opened and checked (the caller closes it). Throws UserFileError. */
function openStepDir(file: string, dir: string, uid: number): number {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errno(err);
    throw new UserFileError(
      file,
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ELOOP' || code === 'ENOTDIR'
          ? 'is a symlink (not followed)'
          : 'could not be read',
    );
  }
  const why = foreignDir(fstatSync(fd), uid);
  if (why) {
    closeSync(fd);
    throw new UserFileError(file, why);
  }
  return fd;
}

/** The snapshot FILE (the step's, for READER), read in this process after the checks above. */
function readStepSnapshot(file: string, dir: string, uid: number, limit: number): string {
  const dirFd = openStepDir(file, dir, uid);
  try {
    let fd: number;
    try {
      fd = openSync(
        `/proc/self/fd/${dirFd}/environ`,
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      );
    } catch (err) {
      const code = errno(err);
      throw new UserFileError(
        file,
        code === 'ENOENT'
          ? 'does not exist'
          : code === 'ELOOP'
            ? 'is a symlink (not followed)'
            : 'could not be read',
      );
    }
    try {
      const st = fstatSync(fd);
      const why = foreignFile(st, uid, limit);
      if (why) throw new UserFileError(file, why, limit);
      const buf = Buffer.alloc(st.size);
      let got = 0;
      for (let n = 1; got < buf.length && n > 0; got += n) n = readSync(fd, buf, got, buf.length - got, null);
      return buf.subarray(0, got).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(dirFd);
  }
}

/**
 * The text of a file the job's environment named for READER: the step's snapshot (its pattern,
 * for this uid, read by root) in this process after the checks above; any other path, or any
 * other caller, as the user (readUserFileText). Throws UserFileError.
 */
export function readJobFileText(
  reader: Reader,
  path: string,
  limit?: number,
  euid = process.geteuid?.(),
): string {
  const dir = snapshotDirOf(path, reader.uid);
  if (dir !== undefined && euid === 0) return readStepSnapshot(path, dir, reader.uid, limit ?? 1024 * 1024);
  return readUserFileText(reader, path, { limit, euid });
}

/**
 * Removes the snapshot FILE of UID (running as root for them), in this process: its file through
 * the checked dir's descriptor, then the dir if empty. Anything else, or a dir that fails the
 * checks, is left alone (the step removes its own when its program ends).
 */
export function forgetSnapshot(file: string | undefined, uid: number): void {
  const dir = file === undefined ? undefined : snapshotDirOf(file, uid);
  if (dir === undefined || process.geteuid?.() !== 0) return;
  let dirFd: number;
  try {
    dirFd = openStepDir(file!, dir, uid);
  } catch {
    return;
  }
  try {
    unlinkSync(`/proc/self/fd/${dirFd}/environ`);
  } catch {
    // gone already
  } finally {
    closeSync(dirFd);
  }
  try {
    // By name: /tmp is sticky, so only the user or root can have put this name there, and
    // rmdir removes nothing but an empty dir.
    rmdirSync(dir);
  } catch {
    // not empty, or gone: the step's own removal
  }
}
