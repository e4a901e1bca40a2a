import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { configError } from '../kernel/errors.js';
import { LOCAL_HOST_DIR } from '../kernel/names.js';

/**
 * Where the local LSF keeps its state (docs/user-guide-local-lsf.md, "Slots and state"):
 *  - the host dir: host-wide facts shared by every user: the job-id markers ids/<N>, the users'
 *    id hints next.<uid>, the slot, port and GPU lock files, and the drain flag `closed`.
 *    [local] state_dir when set, else <[paths] tmp_root>/lsf-docker.host. Whoever owns it could
 *    delete or rename everyone's markers and locks, so it is trusted only when it (and its ids/
 *    and locks/) belong to root or to us, sticky when others may write. Only root creates it
 *    (or a user who owns its parent). When the default one is missing or not trusted, the user
 *    gets a private host dir <user dir>/host instead (own slots, own job-id range); a configured
 *    state_dir that is not trusted is a config error.
 *  - the user dir: one user's jobs (records, environments, output spools, element locks, the
 *    dispatcher's lock and wake-up fifo), 0700. Default ~/.lsf-docker (the home from the user
 *    database), or <state_dir>/user.<uid>. The state dir is writable by every user, so another
 *    user may have made user.<uid> first: then (and from then on, while that dir of ours exists)
 *    the user dir is ~/.lsf-docker/state.<hash of state_dir> instead (userDirFallback).
 */
export interface StateDirs {
  host: string;
  user: string;
  /** True when the host dir is the shared one (host-wide slots and ids); false for a private fallback. */
  shared: boolean;
  /** Where the user dir goes when <state_dir>/user.<uid> is someone else's (configured state_dir only). */
  userFallback?: string;
}

export function stateDirs(config: Config, uid: number, home: string): StateDirs {
  const host = config.local.stateDir ?? join(config.paths.tmpRoot, LOCAL_HOST_DIR);
  if (!config.local.stateDir) return { host, user: join(home, '.lsf-docker'), shared: true };
  return {
    host,
    user: join(config.local.stateDir, `user.${uid}`),
    shared: true,
    userFallback: userDirFallback(home, config.local.stateDir),
  };
}

/** The user dir used when <state_dir>/user.<uid> belongs to someone else. Pure. */
export const userDirFallback = (home: string, stateDir: string) =>
  join(home, '.lsf-docker', `state.${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);

/** What lstat tells about a directory that should be shared, or undefined when it does not exist. */
export interface DirFacts {
  isDirectory: boolean;
  isSymbolicLink: boolean;
  uid: number;
  mode: number;
}

/**
 * Why DIR (described by FACTS) cannot be trusted as a shared dir by UID, or undefined when it
 * can: a real directory owned by root or UID, sticky when group or others may write. Pure.
 */
export function sharedDirProblem(facts: DirFacts | undefined, uid: number): string | undefined {
  if (!facts) return 'does not exist';
  if (facts.isSymbolicLink) return 'is a symbolic link';
  if (!facts.isDirectory) return 'is not a directory';
  if (facts.uid !== 0 && facts.uid !== uid)
    return `is owned by uid ${facts.uid}, not root: its owner could delete or rename everyone's job-id markers and locks`;
  if ((facts.mode & 0o022) !== 0 && (facts.mode & 0o1000) === 0)
    return 'is writable by others but not sticky (chmod +t)';
  return undefined;
}

export function dirFacts(path: string): DirFacts | undefined {
  try {
    const st = lstatSync(path);
    return { isDirectory: st.isDirectory(), isSymbolicLink: st.isSymbolicLink(), uid: st.uid, mode: st.mode };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The provisioning command that makes a shared host dir (what the message tells the administrator). */
export const provisionCommand = (host: string) =>
  `install -d -m 1777 -o root -g root ${host} ${host}/ids ${host}/locks`;

/**
 * Makes sure DIR is a trusted shared dir, creating it (1777) only when we may: as root, or when
 * we own its parent (then nobody else could trust it anyway). Returns why it is not trusted.
 */
function sharedDirUsable(dir: string, uid: number): string | undefined {
  let facts = dirFacts(dir);
  if (!facts && (uid === 0 || dirFacts(dirname(dir))?.uid === uid)) {
    try {
      mkdirSync(dir, { mode: 0o1777 });
      chmodSync(dir, 0o1777);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        return `cannot be created: ${(err as Error).message}`;
    }
    facts = dirFacts(dir);
  }
  return sharedDirProblem(facts, uid);
}

/** Whether DIR is a real directory owned by UID (undefined when it does not exist). */
function ownDir(dir: string, uid: number): boolean | undefined {
  const facts = dirFacts(dir);
  if (!facts) return undefined;
  return facts.isDirectory && !facts.isSymbolicLink && facts.uid === uid;
}

/**
 * The user dir to use: the fallback while it exists (so the jobs stay where they are), else
 * <state_dir>/user.<uid> when it is ours or we can make it, else the fallback (made now).
 */
function chooseUserDir(dirs: StateDirs, uid: number): string {
  const fallback = dirs.userFallback;
  if (!fallback) return dirs.user;
  if (ownDir(fallback, uid)) return fallback;
  try {
    mkdirSync(dirs.user, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (ownDir(dirs.user, uid)) return dirs.user;
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o700 });
  return fallback;
}

/** Creates (or checks) a private dir of ours: owned by us, 0700. */
export function ensurePrivateDir(dir: string, uid: number): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid)
    throw configError('[local] state_dir', `${dir} is not a directory owned by uid ${uid}`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Prepares the state dirs and returns the ones to use: the shared host dir when it is trusted,
 * else (default location only) a private host dir in the user dir. CONFIGURED: [local] state_dir
 * is set, so an untrusted host dir is the administrator's to fix (a config error naming it).
 */
export function prepareState(
  dirs: StateDirs,
  uid: number,
  configured: boolean,
  opts: { userDir?: boolean } = {},
): StateDirs {
  let problem: string | undefined;
  let bad = dirs.host;
  for (const dir of [dirs.host, join(dirs.host, 'ids'), join(dirs.host, 'locks')]) {
    problem = sharedDirUsable(dir, uid);
    bad = dir;
    if (problem) break;
  }
  if (problem && configured)
    throw configError(
      '[local] state_dir',
      `${bad} ${problem}; the shared state dir must be made by root: ${provisionCommand(dirs.host)}`,
    );
  if (opts.userDir === false) return { ...dirs, shared: !problem };
  const user = chooseUserDir(dirs, uid);
  ensurePrivateDir(user, uid);
  ensurePrivateDir(join(user, 'jobs'), uid);
  if (!problem) return { host: dirs.host, user, shared: true };
  const host = join(user, 'host');
  for (const dir of [host, join(host, 'ids'), join(host, 'locks')]) ensurePrivateDir(dir, uid);
  return { host, user, shared: false };
}
