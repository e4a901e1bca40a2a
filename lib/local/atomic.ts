import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes FILE by writing a temp file beside it (a random name, created with O_EXCL: never an
 * existing file, never through a symlink) and renaming it over FILE: readers see the old text or
 * the new, never half; a symlink in FILE's place is replaced, not followed. The temp file never
 * stays.
 */
export function writeAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let created = false;
  try {
    const fd = openSync(tmp, 'wx', mode);
    created = true;
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    if (created) rmQuietly(tmp);
    throw err;
  }
}

/** Creates FILE with TEXT only if nothing (not even a dangling symlink) has the name; false when taken. */
export function createExclusive(file: string, text: string, mode = 0o600): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function rmQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing more to do
  }
}
