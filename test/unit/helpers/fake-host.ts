/**
 * An in-memory host for policy tests: a table of paths -> PathStat, a map of symlinks, readable
 * files and fake GPUs, behind the HostProbe interface that policy uses. Nothing touches the disk.
 *
 *   const host = fakeHost({ paths: { '/data': dir(0) }, symlinks: { '/data/l': '/etc' } });
 *   decideContainerSpec({ request, config, identity, probe: host });
 */
import { posix } from 'node:path';
import type { Identity } from '../../../lib/host/identity.js';
import { modeAllows } from '../../../lib/host/os-probe.js';
import type { HostProbe, PathStat } from '../../../lib/host/probe.js';

export const dir = (uid: number, mode = 0o755, gid = uid): PathStat => ({
  kind: 'dir',
  uid,
  gid,
  mode: 0o040000 | mode,
  isSymlink: false,
});
export const file = (uid: number, mode = 0o644, gid = uid): PathStat => ({
  kind: 'file',
  uid,
  gid,
  mode: 0o100000 | mode,
  isSymlink: false,
});
export const socket = (uid: number, mode = 0o660, gid = uid): PathStat => ({
  kind: 'socket',
  uid,
  gid,
  mode: 0o140000 | mode,
  isSymlink: false,
});
export const device = (uid = 0, mode = 0o666): PathStat => ({
  kind: 'other',
  uid,
  gid: uid,
  mode: 0o020000 | mode,
  isSymlink: false,
});

export interface FakeHostSpec {
  /** Real (non-symlink) paths and what stat says about them. */
  paths: Record<string, PathStat>;
  /** Symbolic links: absolute link path -> target (absolute, or relative to the link's directory). */
  symlinks?: Record<string, string>;
  /** Contents of files the user may read through readUserFile. */
  files?: Record<string, string>;
  gpus?: string[];
  rss?: number;
  tty?: boolean;
  hostname?: string;
  pid?: number;
}

export interface FakeHost extends HostProbe {
  spec: FakeHostSpec;
}

/** A probe over SPEC, answering access questions by mode bits for IDENTITY (ancestors must be searchable). */
export function fakeHost(spec: FakeHostSpec, identity: Identity): FakeHost {
  const symlinks = spec.symlinks ?? {};
  const resolve = (path: string): string | undefined => {
    let parts = posix.normalize(path).split('/').filter(Boolean);
    let real = '/';
    for (let hops = 0; parts.length > 0; ) {
      const [head, ...rest] = parts as [string, ...string[]];
      const next = real === '/' ? `/${head}` : `${real}/${head}`;
      const link = symlinks[next];
      if (link !== undefined) {
        if (++hops > 40) return undefined;
        const target = link.startsWith('/') ? link : posix.join(real, link);
        parts = [...posix.normalize(target).split('/').filter(Boolean), ...rest];
        real = '/';
        continue;
      }
      if (head === '..') real = posix.dirname(real);
      else if (head !== '.') real = next;
      if (!spec.paths[real]) return undefined;
      parts = rest;
    }
    return spec.paths[real] ? real : undefined;
  };
  const stat = (path: string) => {
    const real = resolve(path);
    return real === undefined ? undefined : spec.paths[real];
  };
  const userMay = (path: string, access: 'r' | 'w' | 'x'): boolean => {
    const real = resolve(path);
    if (real === undefined) return false;
    for (let d = posix.dirname(real); ; d = posix.dirname(d)) {
      const s = spec.paths[d];
      if (!s || !modeAllows(s, identity, 'x')) return false;
      if (d === '/') break;
    }
    return modeAllows(spec.paths[real]!, identity, access);
  };
  return {
    spec,
    realpath: resolve,
    stat,
    lstat(path) {
      const normal = posix.normalize(path);
      const parent = resolve(posix.dirname(normal));
      if (parent === undefined) return undefined;
      const here = parent === '/' ? `/${posix.basename(normal)}` : `${parent}/${posix.basename(normal)}`;
      if (symlinks[here] !== undefined) {
        const target = stat(here);
        return target ? { ...target, isSymlink: true } : undefined;
      }
      return spec.paths[here];
    },
    userMay,
    readlink(path) {
      const normal = posix.normalize(path);
      const parent = resolve(posix.dirname(normal));
      if (parent === undefined) return undefined;
      return symlinks[parent === '/' ? `/${posix.basename(normal)}` : `${parent}/${posix.basename(normal)}`];
    },
    readUserFile(path) {
      const real = resolve(path);
      const text = real === undefined ? undefined : spec.files?.[real];
      if (text === undefined) throw new Error('does not exist');
      if (!userMay(path, 'r')) throw new Error('cannot be read by you');
      return text;
    },
    hostGpus: () => spec.gpus ?? [],
    rssLimit: () => spec.rss,
    stdinIsTty: () => spec.tty ?? false,
    hostname: spec.hostname ?? 'node1',
    pid: spec.pid ?? 4242,
  };
}
