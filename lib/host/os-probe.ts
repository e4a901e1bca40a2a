import {
  accessSync,
  constants,
  lstatSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { nodeTty } from '../kernel/builtin.js';
import { hostGpuIndexes } from './gpus.js';
import type { Identity } from './identity.js';
import { native } from './native.js';
import type { HostProbe, PathStat } from './probe.js';
import { readJobFileText } from './snapshot-dir.js';

function toPathStat(s: Stats, isSymlink: boolean): PathStat {
  const kind = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : s.isSocket() ? 'socket' : 'other';
  return { kind, uid: s.uid, gid: s.gid, mode: s.mode, isSymlink };
}

/** Whether IDENTITY may access one path by its mode bits (used when the wrapper is not the user, e.g. under sudo). */
export function modeAllows(stat: PathStat, id: Identity, access: 'r' | 'w' | 'x'): boolean {
  const bit = access === 'r' ? 4 : access === 'w' ? 2 : 1;
  if (stat.uid === id.uid) return ((stat.mode >> 6) & bit) !== 0;
  if (stat.gid === id.gid || id.groups.includes(stat.gid)) return ((stat.mode >> 3) & bit) !== 0;
  return (stat.mode & bit) !== 0;
}

/**
 * The real host: stat/realpath from the filesystem, access checks as the job's user. realpath is
 * the C library's (one call, not a JS lstat per component: a job may name 100 volumes).
 */
export function osProbe(identity: Identity, gpuDevDir: string): HostProbe {
  return probeWith(identity, gpuDevDir, { real: new Map(), stat: new Map(), access: new Map() });
}

/** What the addon's pathFacts found: the real path of each path asked; the stat and access (bits r 4, w 2, x 1, as the user) of each real path. */
interface Known {
  real: Map<string, string>;
  stat: Map<string, PathStat>;
  access: Map<string, number>;
}

/** KNOWN and what pathFacts finds of PATHS (a path that does not resolve is left to the calls). */
function withFacts(known: Known, paths: string[], actingAsUser: boolean): Known {
  const facts = native()?.pathFacts?.(paths, actingAsUser);
  const more: Known = { real: new Map(known.real), stat: new Map(known.stat), access: new Map(known.access) };
  facts?.forEach((fact, i) => {
    if (fact === null) return;
    const [real, kind, mode, uid, gid, bits] = fact;
    more.real.set(paths[i]!, real);
    more.stat.set(real, { kind, uid, gid, mode, isSymlink: false });
    if (actingAsUser) more.access.set(real, bits);
  });
  return more;
}

/** stat and userMay of the real host for IDENTITY, answering first from KNOWN. */
function pathChecks(identity: Identity, known: Known, actingAsUser: boolean) {
  // No exception for a missing path (an Error with its stack costs more than the stat).
  const stat = (path: string) => {
    const found = known.stat.get(path);
    if (found !== undefined) return { ...found };
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      return s && toPathStat(s, false);
    } catch {
      return undefined;
    }
  };
  const userMay = (path: string, access: 'r' | 'w' | 'x'): boolean => {
    if (actingAsUser) {
      const bits = known.access.get(path);
      if (bits !== undefined) return (bits & (access === 'r' ? 4 : access === 'w' ? 2 : 1)) !== 0;
      try {
        accessSync(path, access === 'r' ? constants.R_OK : access === 'w' ? constants.W_OK : constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }
    // Every ancestor of the real path must be searchable, and the path itself allow the access.
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch {
      return false;
    }
    for (let dir = dirname(real); ; dir = dirname(dir)) {
      const s = stat(dir);
      if (!s || !modeAllows(s, identity, 'x')) return false;
      if (dir === '/') break;
    }
    const s = stat(real);
    return s !== undefined && modeAllows(s, identity, access);
  };
  return { stat, userMay };
}

/** osProbe answering realpath, stat and userMay first from KNOWN (HostProbe.prefetched). */
function probeWith(identity: Identity, gpuDevDir: string, known: Known): HostProbe {
  const actingAsUser = process.geteuid!() === identity.uid;
  const { stat, userMay } = pathChecks(identity, known, actingAsUser);
  return {
    prefetched: (paths) => probeWith(identity, gpuDevDir, withFacts(known, paths, actingAsUser)),
    realpath(path) {
      const real = known.real.get(path);
      if (real !== undefined) return real;
      try {
        return realpathSync.native(path);
      } catch {
        return undefined;
      }
    },
    stat,
    lstat(path) {
      try {
        const l = lstatSync(path, { throwIfNoEntry: false });
        if (!l) return undefined;
        return toPathStat(l.isSymbolicLink() ? statSync(path) : l, l.isSymbolicLink());
      } catch {
        return undefined;
      }
    },
    userMay,
    readUserFile: (path, limit) => readJobFileText(identity, path, limit),
    readlink(path) {
      try {
        return readlinkSync(path);
      } catch {
        return undefined;
      }
    },
    hostGpus: () => hostGpuIndexes(gpuDevDir).map(String),
    rssLimit() {
      try {
        const line = readFileSync('/proc/self/limits', 'utf8')
          .split('\n')
          .find((l) => l.startsWith('Max resident set'));
        const soft = line?.slice(26).trim().split(/\s+/)[0];
        return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
      } catch {
        return undefined;
      }
    },
    stdinIsTty: () => nodeTty().isatty(0),
    hostname: hostname(),
    pid: process.pid,
  };
}
