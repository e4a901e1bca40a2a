/**
 * A checked path is the path used (root acting for a user, sudo mode). Policy checks the job's
 * directories by path; the runtime would resolve each path again, as root, when it mounts, and a
 * user who swaps a checked directory for a symlink in between would get any directory mounted.
 * So, as root: each checked directory is opened by a walk that follows no symlink (one component
 * at a time, relative to the directory held so far), what was opened is bind-mounted by its
 * descriptor onto a mount point inside the root-owned 0700 private dir, and the runtime is given
 * that mount point. A mount inside another one of the job is made the same way, inside the
 * outer mount's staging tree, so that the runtime never looks a target up in the user's tree.
 *
 * Neither docker nor podman can take `/proc/<pid>/fd/N` as a bind source (EINVAL: no bind from
 * another mount namespace); a mount in this namespace can: made by the install's addon in this
 * process (the calls mount(8) makes with --no-canonicalize, about 4 ms less per mount and per
 * unmount than a process), else by mount(8) and umount(8).
 */

import { closeSync, constants, fstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { childProcess } from '../kernel/builtin.js';
import { noteHelperSignal } from '../kernel/signals.js';
import { type MountCalls, native } from './native.js';

/** open(2)'s O_PATH (Linux, every architecture Node runs on): a handle, no read access needed. */
export const O_PATH = 0o10000000;
const DIR_FLAGS = O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const MOUNT = '/usr/bin/mount';
const UMOUNT = '/usr/bin/umount';

/** Why a hold or a mount failed: the path and what happened, for a one-line refusal. */
export class HoldError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

function holdReason(code: string | undefined): string {
  if (code === 'ENOTDIR' || code === 'ELOOP')
    return 'changed while it was being checked (a part of it is now a symlink or not a directory)';
  if (code === 'ENOENT') return 'changed while it was being checked (a part of it is gone)';
  return `could not be opened (${code ?? 'error'})`;
}

/** The components of an absolute path. Pure. */
export const components = (path: string) => path.split('/').filter((c) => c !== '' && c !== '.');

/**
 * Opens DIR (an absolute path) by a walk that follows no symlink: each component is opened with
 * O_PATH|O_DIRECTORY|O_NOFOLLOW through /proc/self/fd of the one before. With FROM (a path root
 * alone controls, which DIR lies in), the walk starts there. Returns the descriptor of what the
 * path names now; throws HoldError when a component is a symlink, missing or not a directory.
 */
export function holdDir(path: string, from = '/'): number {
  let fd: number;
  try {
    fd = openSync(from, DIR_FLAGS);
  } catch (err) {
    throw new HoldError(from, holdReason((err as NodeJS.ErrnoException).code));
  }
  const rel = from === '/' ? path : path.slice(from.length);
  for (const name of components(rel)) {
    let next: number;
    try {
      if (name === '..') throw Object.assign(new Error('..'), { code: 'ELOOP' });
      next = openSync(`/proc/self/fd/${fd}/${name}`, DIR_FLAGS);
    } catch (err) {
      closeSync(fd);
      throw new HoldError(path, holdReason((err as NodeJS.ErrnoException).code));
    }
    closeSync(fd);
    fd = next;
  }
  return fd;
}

/** stat of a held descriptor. */
export const heldStat = (fd: number): Stats => fstatSync(fd);

/** Runs mount(8) or umount(8) with ARGS, the descriptors FDS given to it as its fds 3, 4, ... */
function mountTool(tool: string, args: string[], fds: number[] = []): { ok: boolean; message: string } {
  const r = childProcess().spawnSync(tool, args, {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
    stdio: ['ignore', 'ignore', 'pipe', ...fds],
    timeout: 30_000,
  });
  noteHelperSignal(r.signal);
  const message = `${r.stderr?.toString('utf8').trim() ?? ''}${r.error ? r.error.message : ''}`;
  return { ok: r.status === 0, message: message.split('\n').at(-1) ?? '' };
}

/** The addon's mount calls, when the installed addon has them. */
function mountCalls(): MountCalls | undefined {
  const addon = native();
  return addon?.bindMount && addon.remountReadOnly && addon.detachMount && addon.strerror
    ? (addon as MountCalls)
    : undefined;
}

/** What an addon call answered (0 or an errno), as mountTool's outcome. */
const called = (calls: MountCalls, what: string, errno: number) => ({
  ok: errno === 0,
  message: errno === 0 ? '' : `${what}: ${calls.strerror(errno)}`,
});

/** Bind-mounts the held directory SOURCEFD onto the mount point path TARGET (a path root alone controls). */
export function bindHeldOnto(sourceFd: number, target: string): void {
  const calls = mountCalls();
  const r = calls
    ? called(calls, 'mount', calls.bindMount(`/proc/self/fd/${sourceFd}`, target))
    : mountTool(MOUNT, ['--no-canonicalize', '--bind', '/proc/self/fd/3', target], [sourceFd]);
  if (!r.ok) throw new HoldError(target, `could not be mounted: ${r.message}`);
}

/** Bind-mounts SOURCEFD onto the held directory TARGETFD (no path is resolved again). */
export function bindHeldOntoHeld(sourceFd: number, targetFd: number, shown: string): void {
  const calls = mountCalls();
  const r = calls
    ? called(calls, 'mount', calls.bindMount(`/proc/self/fd/${sourceFd}`, `/proc/self/fd/${targetFd}`))
    : mountTool(
        MOUNT,
        ['--no-canonicalize', '--bind', '/proc/self/fd/3', '/proc/self/fd/4'],
        [sourceFd, targetFd],
      );
  if (!r.ok) throw new HoldError(shown, `could not be mounted: ${r.message}`);
}

/** Makes the mount whose root is held by MOUNTROOTFD read-only. */
export function remountReadOnly(mountRootFd: number, shown: string): void {
  const calls = mountCalls();
  const r = calls
    ? called(calls, 'mount', calls.remountReadOnly(`/proc/self/fd/${mountRootFd}`))
    : mountTool(MOUNT, ['--no-canonicalize', '-o', 'remount,bind,ro', '/proc/self/fd/3'], [mountRootFd]);
  if (!r.ok) throw new HoldError(shown, `could not be made read-only: ${r.message}`);
}

/**
 * Detaches the mount at PATH and every mount below it (umount -l: no path below PATH is looked up
 * again, so nothing a user changed inside can redirect it). PATH must be one root alone controls.
 */
export function detachTree(path: string): { ok: boolean; message: string } {
  const calls = mountCalls();
  return calls
    ? called(calls, 'umount', calls.detachMount(path))
    : mountTool(UMOUNT, ['--no-canonicalize', '--lazy', path]);
}

/** Decodes the octal escapes of a mountinfo field (\040 space, \011 tab, \012 newline, \134 \). Pure. */
export function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** The mount points of a /proc/self/mountinfo text (field 5). Pure. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((f): f is string => f !== undefined && f !== '')
    .map(unescapeMountField);
}

/** Creates the staging mount point DIR/mnt/N (root, 0700). */
export function stagingPoint(privateDir: string, n: number): string {
  const base = `${privateDir}/mnt`;
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const point = `${base}/${n}`;
  mkdirSync(point, { mode: 0o700 });
  return point;
}
