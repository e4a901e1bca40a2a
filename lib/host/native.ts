import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The libc calls the wrapper would otherwise get from a process (flock(1), getent, id): the
 * Node-API addon the install step builds beside the bundles (scripts/native-addon.c,
 * dist/bundle/lsfd-native.node), found from the running launcher (PREFIX/bin/NAME). Undefined when
 * there is none (a host without a C compiler or Node's headers, a development checkout): callers
 * then start the program, with the same answers.
 */
export interface Native {
  /** flock(fd, LOCK_EX|LOCK_NB): 0 when held now, else the errno (LOCK_BUSY: someone else's). */
  flock(fd: number): number;
  /** getpwuid_r: [name, uid, gid, home, shell], null when no user database has UID. */
  passwd(uid: number): [string, number, number, string, string] | null;
  /** getgrouplist: the gids NAME is in (GID first), null when it fails. */
  groupList(name: string, gid: number): number[] | null;
  /** getgrgid_r: the group's name, null when no group database names it. */
  groupName(gid: number): string | null;
  /** groupName of each of GIDS begun on the addon's threads (absent from an older build). */
  groupNamesStart?(gids: number[]): GroupLookups;
  /** Their names (null: none), in GIDS' order, once all are done. */
  groupNamesJoin?(lookups: GroupLookups): Array<string | null>;
  /** realpath, stat of the real path and (ASUSER) access(2) of each of PATHS, on the addon's threads (absent from an older build). */
  pathFacts?(paths: string[], asUser: boolean): PathFact[];
  /** The UTF-8 BYTES of a well-formed string as a JSON string literal (JSON.stringify's bytes; absent from an older build). */
  jsonString?(bytes: Buffer): Buffer;
  /** A blocking, close-on-exec unix stream socket connected to PATH; throws with err.code the errno's name (absent from an older build). */
  unixConnect?(path: string): number;
  /** shutdown(2) of FD (HOW 0 reading, 1 writing, 2 both): 0, else the errno (absent from an older build). */
  socketShutdown?(fd: number, how: 0 | 1 | 2): number;
  /** SO_PEERCRED of the unix socket FD: [pid, uid, gid], null when it has none (absent from an older build). */
  peerCred?(fd: number): [number, number, number] | null;
  /** mount(SOURCE, TARGET, MS_BIND): 0 or the errno (absent from an older build). */
  bindMount?(source: string, target: string): number;
  /** The bind mount at PATH remounted read-only, its other per-mount flags kept: 0 or the errno (absent from an older build). */
  remountReadOnly?(path: string): number;
  /** umount2(PATH, MNT_DETACH | UMOUNT_NOFOLLOW): 0 or the errno (absent from an older build). */
  detachMount?(path: string): number;
  /** strerror(E) (absent from an older build). */
  strerror?(e: number): string;
}

/** The addon's mount calls (lib/host/held-mounts.ts), all present. */
export type MountCalls = Required<Pick<Native, 'bindMount' | 'remountReadOnly' | 'detachMount' | 'strerror'>>;

/** What pathFacts found of a path: [real path, kind, st_mode, uid, gid, access bits r 4 w 2 x 1]; null: it does not resolve. */
export type PathFact = [string, 'dir' | 'file' | 'socket' | 'other', number, number, number, number] | null;

/** Group-name lookups under way (the addon's handle). */
export type GroupLookups = { readonly __lookups: unique symbol };

/** EWOULDBLOCK (= EAGAIN on Linux): the lock is someone else's. */
export const LOCK_BUSY = 11;

let loaded: Native | null | undefined;

/** The addon's path for the launcher at REALLAUNCHER (PREFIX/bin/NAME: PREFIX/dist/bundle). Pure. */
export const addonPathFor = (realLauncher: string) =>
  join(dirname(realLauncher), '..', 'dist', 'bundle', 'lsfd-native.node');

const FUNCTIONS = ['flock', 'passwd', 'groupList', 'groupName'] as const;

/** The installed addon, loaded once; undefined without one. */
export function native(): Native | undefined {
  if (loaded === undefined) {
    loaded = null;
    try {
      // process.dlopen itself: require() would first read the package.json files above the
      // bundle (its package scope), about 1 ms of a job's start. The same file loaded again
      // (start.cjs loads it for a big environment) is initialized again: Node-API allows that.
      const addon = { exports: {} as Record<string, unknown> };
      process.dlopen(addon, addonPathFor(realpathSync(process.argv[1] ?? '')));
      const found = addon.exports;
      if (FUNCTIONS.every((f) => typeof found[f] === 'function')) loaded = found as unknown as Native;
    } catch {
      // none installed: the programs serve
    }
  }
  return loaded ?? undefined;
}
