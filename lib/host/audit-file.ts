import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { configError } from '../kernel/errors.js';

/**
 * Appends LINE to the audit file PATH ([log] audit). Opened O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW
 * (a link planted at PATH is refused, not followed), created 0600; the file must be a regular
 * file owned by the writer (root under sudo) and writable by nobody else. The line goes out in
 * one write(2), which O_APPEND keeps whole among concurrent jobs. A failure is a config error:
 * a job whose profile cannot be audited does not start.
 */
export function appendAuditLine(path: string, line: string, euid: number): void {
  const subject = '[log] audit';
  let fd: number;
  try {
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ELOOP' ? 'is a symbolic link' : `cannot be opened (${code ?? 'error'})`;
    throw configError(subject, `${path} ${why}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw configError(subject, `${path} is not a regular file`);
    if (stat.uid !== euid) throw configError(subject, `${path} is owned by uid ${stat.uid}, not uid ${euid}`);
    if ((stat.mode & 0o022) !== 0)
      throw configError(subject, `${path} is writable by others (mode ${(stat.mode & 0o777).toString(8)})`);
    writeSync(fd, `${line}\n`);
  } finally {
    closeSync(fd);
  }
}
