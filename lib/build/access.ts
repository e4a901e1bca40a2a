import { type Dirent, lstatSync, opendirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Identity } from '../host/identity.js';
import { isWithin } from '../kernel/grammar/path.js';

/** Who asks: the user's uid and every group they are in. */
export type Asker = Pick<Identity, 'uid' | 'gid' | 'groups'>;

/**
 * Whether ASKER may read (r), write (w) or search/execute (x) a file of this owner and mode, by the
 * classic permission bits: the owner class for the owner, the group class for a member, else other.
 * ACLs that grant more are ignored (stricter); ACL masks show in the group class.
 */
export function permits(
  st: Pick<Stats, 'mode' | 'uid' | 'gid'>,
  asker: Asker,
  want: 'r' | 'w' | 'x',
): boolean {
  const bit = want === 'r' ? 4 : want === 'w' ? 2 : 1;
  if (st.uid === asker.uid) return ((st.mode >> 6) & bit) !== 0;
  if (st.gid === asker.gid || asker.groups.includes(st.gid)) return ((st.mode >> 3) & bit) !== 0;
  return (st.mode & bit) !== 0;
}

/** A problem found while checking paths as the user: the path and what is wrong with it. */
export interface AccessProblem {
  path: string;
  reason: string;
}

function errnoReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'ELOOP') return 'has a symlink loop';
  return (err as Error).message;
}

/** Every directory the kernel walks through to reach PATH must be searchable by the user. */
function searchableAncestors(path: string, asker: Asker): AccessProblem | undefined {
  let dir = posix.dirname(path);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    if (dir === '/') break;
    dir = posix.dirname(dir);
  }
  for (const d of chain) {
    let st: Stats;
    try {
      st = statSync(d);
    } catch (err) {
      return { path: d, reason: errnoReason(err) };
    }
    if (!st.isDirectory()) return { path: d, reason: 'is not a directory' };
    if (!permits(st, asker, 'x'))
      return { path: d, reason: 'is a directory you cannot enter (no x permission)' };
  }
  return undefined;
}

/** The path as written and its real path: the user must reach and read both ways. */
function reach(path: string, asker: Asker): { real: string } | AccessProblem {
  const lexical = searchableAncestors(path, asker);
  if (lexical) return lexical;
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return { path, reason: errnoReason(err) };
  }
  if (real !== path) {
    const problem = searchableAncestors(real, asker);
    if (problem) return problem;
  }
  return { real };
}

/** A regular file the user can read (the Dockerfile, a secret, an ssh key). */
export function checkReadableFile(path: string, asker: Asker): AccessProblem | undefined {
  const reached = reach(path, asker);
  if ('reason' in reached) return reached;
  const st = statSync(reached.real);
  if (!st.isFile()) return { path, reason: 'is not a regular file' };
  if (!permits(st, asker, 'r')) return { path, reason: 'is not readable by you' };
  return undefined;
}

/**
 * A file the docker CLI will write (--iidfile): its directory must be one the user owns and can
 * write, and the file, if it exists already, a regular file of theirs (not a symlink).
 */
export function checkWritableFile(path: string, asker: Asker): AccessProblem | undefined {
  const dir = posix.dirname(path);
  const reached = reach(dir, asker);
  if ('reason' in reached) return reached;
  const st = statSync(reached.real);
  if (!st.isDirectory()) return { path: dir, reason: 'is not a directory' };
  if (st.uid !== asker.uid || !permits(st, asker, 'w')) {
    return { path: dir, reason: 'is not a directory of yours: the file must go into a directory you own' };
  }
  try {
    const existing = lstatSync(path);
    if (!existing.isFile() || existing.uid !== asker.uid) {
      return { path, reason: 'exists and is not a regular file of yours' };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { path, reason: errnoReason(err) };
  }
  return undefined;
}

export interface ContextReport {
  /** The context's real path. */
  root: string;
  files: number;
  dirs: number;
  problems: AccessProblem[];
  /** Symlinks whose target lies outside the context (docker sends the link, not its target). */
  outsideLinks: Array<{ path: string; target: string }>;
}

/**
 * Walks the whole build context as the user would: every directory must be listable and
 * searchable, every file readable; devices, sockets and fifos are refused. Nothing is skipped
 * (.dockerignore is not consulted: stricter than docker). Stops listing after `maxProblems`.
 */
export function checkContext(path: string, asker: Asker, maxProblems = 20): ContextReport {
  const report: ContextReport = { root: path, files: 0, dirs: 0, problems: [], outsideLinks: [] };
  const problem = (p: string, reason: string) => {
    if (report.problems.length < maxProblems) report.problems.push({ path: p, reason });
  };
  const reached = reach(path, asker);
  if ('reason' in reached) {
    report.problems.push(reached);
    return report;
  }
  report.root = reached.real;
  const rootStat = statSync(reached.real);
  if (!rootStat.isDirectory()) {
    report.problems.push({
      path,
      reason: 'is not a directory (the build context must be a directory or a URL)',
    });
    return report;
  }
  const stack: Array<{ dir: string; st: Stats }> = [{ dir: reached.real, st: rootStat }];
  let truncated = false;
  while (stack.length > 0) {
    const { dir, st } = stack.pop()!;
    report.dirs++;
    if (!permits(st, asker, 'r') || !permits(st, asker, 'x')) {
      problem(dir, 'is a directory you cannot list or enter');
      continue;
    }
    let handle: ReturnType<typeof opendirSync>;
    try {
      handle = opendirSync(dir);
    } catch (err) {
      problem(dir, errnoReason(err));
      continue;
    }
    try {
      let entry: Dirent | null = handle.readSync();
      for (; entry !== null; entry = handle.readSync()) {
        const full = posix.join(dir, entry.name);
        let est: Stats;
        try {
          est = lstatSync(full);
        } catch (err) {
          problem(full, errnoReason(err));
          continue;
        }
        if (est.isDirectory()) stack.push({ dir: full, st: est });
        else if (est.isFile()) {
          report.files++;
          if (!permits(est, asker, 'r')) problem(full, 'is not readable by you');
        } else if (est.isSymbolicLink()) {
          report.files++;
          let target: string;
          try {
            target = realpathSync(full);
          } catch {
            continue; // a dangling link: docker sends the link itself
          }
          if (!isWithin(target, reached.real)) report.outsideLinks.push({ path: full, target });
        } else {
          problem(full, 'is not a regular file, directory or symlink (device, socket or fifo)');
        }
        if (report.problems.length >= maxProblems) {
          truncated = true;
          break;
        }
      }
    } finally {
      handle.closeSync();
    }
    if (truncated) break;
  }
  return report;
}
