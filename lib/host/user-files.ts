import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { posix } from 'node:path';
import { childProcess } from '../kernel/builtin.js';
import { noteHelperSignal } from '../kernel/signals.js';
import type { Identity } from './identity.js';

/**
 * Reading a file the user named (an env file, an add-host file, a Dockerfile, their docker
 * config) with the user's own rights, never root's: the kernel then checks every path component
 * as the user, so a path through /proc/<pid>/root of the user's container, a symlink into a
 * root-only directory, or a file swapped between a check and the read reaches nothing the user
 * could not read themselves. The last component is never followed (O_NOFOLLOW). Errors say what
 * is wrong with the path, never what the file holds.
 */
export type UserFileReason =
  | 'does not exist'
  | 'cannot be read by you'
  | 'is a symlink (not followed)'
  | 'is not a regular file'
  | 'is larger than the limit'
  | 'lies in /proc (refused)'
  | 'is not a snapshot of yours'
  | 'is not an absolute path'
  | 'could not be read';

export class UserFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: UserFileReason,
    readonly limit?: number,
  ) {
    super(reason === 'is larger than the limit' && limit ? `is larger than ${limit / 1024} KiB` : reason);
  }
}

/** Who reads: the user's ids and every group they are in. */
export type Reader = Pick<Identity, 'uid' | 'gid' | 'groups'>;

/** The default size limit of a user-named file. */
export const USER_FILE_LIMIT = 1024 * 1024;

/** Why PATH is refused before anything is opened, or undefined. Pure. */
export function refusedUserPath(path: string): UserFileReason | undefined {
  if (!path.startsWith('/')) return 'is not an absolute path';
  const normal = posix.normalize(path);
  if (normal === '/proc' || normal.startsWith('/proc/')) return 'lies in /proc (refused)';
  return undefined;
}

/** The reason of a failed open or read, from its errno code (the process's or dd's message). */
export function reasonOf(code: string | undefined): UserFileReason {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read by you';
    case 'ELOOP':
      return 'is a symlink (not followed)';
    case 'EISDIR':
    case 'ENXIO':
    case 'EAGAIN':
      return 'is not a regular file';
    default:
      return 'could not be read';
  }
}

/** dd's (coreutils, LC_ALL=C) message for each errno the reader tells apart. */
const DD_ERRORS: Array<[RegExp, string]> = [
  [/No such file or directory|Not a directory/, 'ENOENT'],
  [/Permission denied|Operation not permitted/, 'EACCES'],
  [/Too many levels of symbolic links/, 'ELOOP'],
  [/Is a directory|No such device or address|Resource temporarily unavailable/, 'EISDIR'],
];

/** The errno code dd's stderr names (undefined when it names none of ours). Pure. */
export function ddErrorCode(stderr: string): string | undefined {
  return DD_ERRORS.find(([re]) => re.test(stderr))?.[1];
}

/**
 * The argv that reads PATH as READER and writes at most LIMIT+1 bytes to stdout: setpriv
 * (util-linux) sets the real and effective uid, gid and groups, then execs dd (coreutils), which
 * opens PATH with O_NOFOLLOW|O_NONBLOCK (a FIFO cannot hang it). No shell: the path is one argv
 * word. Pure.
 */
export function readAsUserArgv(reader: Reader, path: string, limit: number): string[] {
  const groups = reader.groups.filter((g) => g !== reader.gid);
  return [
    '/usr/bin/setpriv',
    `--reuid=${reader.uid}`,
    `--regid=${reader.gid}`,
    groups.length > 0 ? `--groups=${groups.join(',')}` : '--clear-groups',
    '--',
    '/bin/dd',
    `if=${path}`,
    'iflag=nofollow,nonblock',
    `bs=${limit + 1}`,
    'count=1',
    'status=none',
  ];
}

const CHILD_ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };

/** Reads PATH in this process, which runs as the user already: the kernel checks as the user. */
function readHere(path: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new UserFileError(path, reasonOf((err as NodeJS.ErrnoException).code));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserFileError(path, 'is not a regular file');
    if (st.size > limit) throw new UserFileError(path, 'is larger than the limit', limit);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Reads PATH in a child process that runs as READER (this process is root acting for the user). */
function readAsChild(reader: Reader, path: string, limit: number): Buffer {
  const [file, ...args] = readAsUserArgv(reader, path, limit) as [string, ...string[]];
  const r = childProcess().spawnSync(file, args, {
    env: CHILD_ENV,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: limit + 64 * 1024,
    timeout: 10_000,
  });
  noteHelperSignal(r.signal);
  if (r.error || r.status !== 0) {
    const stderr = r.stderr ? r.stderr.toString('utf8') : '';
    throw new UserFileError(path, reasonOf(ddErrorCode(stderr)));
  }
  if (r.stdout.length > limit) throw new UserFileError(path, 'is larger than the limit', limit);
  return r.stdout;
}

/**
 * The bytes of PATH, read with READER's rights: in this process when it runs as the reader,
 * else (root acting for the user) in a child with the reader's ids. Throws UserFileError.
 */
export function readUserFileBytes(
  reader: Reader,
  path: string,
  opts: { limit?: number; euid?: number } = {},
): Buffer {
  const limit = opts.limit ?? USER_FILE_LIMIT;
  const refused = refusedUserPath(path);
  if (refused) throw new UserFileError(path, refused);
  const euid = opts.euid ?? process.geteuid!();
  return euid === reader.uid ? readHere(path, limit) : readAsChild(reader, path, limit);
}

/** The text (UTF-8) of PATH, read as READER (see readUserFileBytes). */
export function readUserFileText(
  reader: Reader,
  path: string,
  opts: { limit?: number; euid?: number } = {},
): string {
  return readUserFileBytes(reader, path, opts).toString('utf8');
}
