import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * An esub of this installation run inside bsub instead of as its own process (a Node start, about
 * 60 ms, per submission): the same program main, given the protocol environment LSF gives an
 * esub (LSB_SUB_PARM_FILE, LSB_SUB_MODIFY_FILE, ...) and the same argv, its stderr lines to
 * STDERR (the user's); its exit status out.
 */
export type InProcessEsub = (
  argv: string[],
  env: Record<string, string>,
  stderr?: (text: string) => void,
) => Promise<number>;

/**
 * The in-process form of the esub installed at PROGRAM for application APP (esub.APP), or
 * undefined: then it runs as a process, as LSF runs every esub. Only the launchers this
 * installation wrote qualify; an admin's own esub.docker always runs as itself.
 */
export type EsubResolver = (program: string, app: string) => InProcessEsub | undefined;

/**
 * Whether TEXT (a file's first bytes) is the launcher scripts/lib/launchers.sh wrote for NAME:
 * its second line says so. Pure.
 */
export function isOwnLauncherText(text: string, name: string): boolean {
  const second = text.split('\n', 2)[1] ?? '';
  return second.startsWith(`// ${name}, written by lsf-docker scripts/lib/launchers.sh`);
}

/** Whether PROGRAM is a regular file (not a symlink) holding this installation's launcher for NAME. */
export function isOwnLauncher(program: string, name: string): boolean {
  let fd: number;
  try {
    fd = openSync(program, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return isOwnLauncherText(buf.subarray(0, n).toString('utf8'), name);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
