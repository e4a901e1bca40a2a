/**
 * The container's mount tree as the runtime builds it: mounts in order of their target's depth
 * (docker sorts them so), each target looked up inside the tree made so far, a path inside a bind
 * mount looked up in that mount's host directory, following symlinks in container terms (runc's
 * securejoin). What the lookup would have to create inside a bind mount, the runtime creates as
 * root in a host directory: that is refused. Pure apart from the probe's lstat/readlink calls.
 */
import { posix } from 'node:path';
import type { HostProbe } from '../../host/probe.js';
import { parseAbsolutePath } from '../../kernel/grammar/path.js';
import type { BindMount } from '../../runtime/container-spec.js';

/** A mount of the tree: a directory bind has a host SOURCE; a file bind only occupies its target. */
export interface TreeMount {
  target: string;
  /** Host directory of a directory bind; undefined for a file bind. */
  source?: string;
  origin?: string;
}

/** Where a container path leads: the container path reached, and the bind mount it lies in (if any). */
export type Lookup =
  | {
      kind: 'found';
      path: string;
      /** The deepest directory bind holding PATH (undefined: the image's own files). */
      mount?: TreeMount;
      /** The first directory the user may write that the lookup went through inside a bind mount. */
      changeable?: string;
    }
  /** The runtime would create HOSTPATH (the first missing part) inside MOUNT's host directory. */
  | { kind: 'create'; path: string; hostPath: string; mount: TreeMount }
  | { kind: 'bad'; reason: string };

const MAX_LINKS = 40;

const parts = (path: string) => path.split('/').filter((p) => p !== '' && p !== '.');

/**
 * The mounts placed so far, by target: the first of each target, and the first directory bind of
 * each. A lookup asks at every step of its path which mount sits there and which bind holds it;
 * scanning the list each time made 100 volumes cost about 40,000 path comparisons.
 */
export class TreeIndex {
  private readonly first = new Map<string, TreeMount>();
  private readonly firstDir = new Map<string, TreeMount>();

  constructor(mounts: readonly TreeMount[] = []) {
    for (const m of mounts) this.add(m);
  }

  add(m: TreeMount): void {
    if (!this.first.has(m.target)) this.first.set(m.target, m);
    if (m.source !== undefined && !this.firstDir.has(m.target)) this.firstDir.set(m.target, m);
  }

  /** The first mount whose target is TARGET. */
  at(target: string): TreeMount | undefined {
    return this.first.get(target);
  }

  /** The deepest directory bind holding PATH (a normal path: its target or below it). */
  holder(path: string): TreeMount | undefined {
    for (let p = path; ; p = posix.dirname(p)) {
      const m = this.firstDir.get(p);
      if (m) return m;
      if (p === '/' || p === '.' || p === '') return undefined;
    }
  }
}

function hostOf(path: string, m: TreeMount & { source: string }): string {
  const rest = path.slice(m.target === '/' ? 0 : m.target.length);
  return rest === '' ? m.source : `${m.source}${rest.startsWith('/') ? '' : '/'}${rest}`;
}

/** Looks PATH up in the tree of MOUNTS (already placed, with their resolved targets). */
/** The image's own symlinks (lib/host/image-layers.ts): their target, by container path. */
export interface ImageLinks {
  readlink(path: string): string | undefined;
}

export function lookupInTree(
  path: string,
  placed: readonly TreeMount[] | TreeIndex,
  probe: Pick<HostProbe, 'lstat' | 'readlink' | 'userMay'>,
  image?: ImageLinks,
): Lookup {
  const mounts = placed instanceof TreeIndex ? placed : new TreeIndex(placed);
  let todo = parts(path);
  let cur = '/';
  let changeable: string | undefined;
  for (let links = 0; todo.length > 0; ) {
    const [name, ...rest] = todo as [string, ...string[]];
    todo = rest;
    if (name === '..') {
      cur = posix.dirname(cur);
      continue;
    }
    const next = cur === '/' ? `/${name}` : `${cur}/${name}`;
    const exact = mounts.at(next);
    if (exact) {
      if (exact.source === undefined && todo.length > 0) return { kind: 'bad', reason: `${next} is a file` };
      cur = next;
      continue;
    }
    const m = mounts.holder(cur);
    if (!m?.source) {
      // The image's own files: only its symlinks matter (what the runtime creates there is the container's).
      const link = image?.readlink(next);
      if (link !== undefined) {
        if (++links > MAX_LINKS) return { kind: 'bad', reason: `${path} has too many symlinks` };
        todo = [...parts(link), ...todo];
        if (link.startsWith('/')) cur = '/';
        continue;
      }
      cur = next;
      continue;
    }
    const bind = m as TreeMount & { source: string };
    if (changeable === undefined && probe.userMay(hostOf(cur, bind), 'w')) changeable = hostOf(cur, bind);
    const host = hostOf(next, bind);
    // lstat first: readlink of a plain directory fails (an exception per step). A dangling
    // symlink has no lstat here (its kind is its target's), so readlink still tells it.
    const st = probe.lstat(host);
    const link = st === undefined || st.isSymlink ? probe.readlink(host) : undefined;
    if (link !== undefined) {
      if (++links > MAX_LINKS) return { kind: 'bad', reason: `${path} has too many symlinks` };
      todo = [...parts(link), ...todo];
      if (link.startsWith('/')) cur = '/';
      continue;
    }
    if (!st) return { kind: 'create', path: posix.join(next, ...todo), hostPath: host, mount: bind };
    if (st.kind !== 'dir' && todo.length > 0) return { kind: 'bad', reason: `${host} is not a directory` };
    cur = next;
  }
  return { kind: 'found', path: cur, mount: mounts.holder(cur), changeable };
}

/** One mount of the job to place, with what names it in a refusal. */
export interface Placing {
  mount: BindMount | { target: string; source?: undefined; origin: 'runtime' };
  variable: string;
  /** What the target is called in a refusal (e.g. `target /x`, `submission directory /x`). */
  label: string;
}

export interface TreePlan {
  /** The job's mounts with their targets as the runtime resolves them. */
  mounts: BindMount[];
  /** For each mount of MOUNTS inside another one: the mount holding it and the first directory on the way the user may write. */
  nested: Map<BindMount, { holder: TreeMount; changeable?: string }>;
  /** The first refusal (later lookups depend on it: only one is reported). */
  problem?: { variable: string; message: string };
}

/** Docker's order: by the number of components of the target, then as given. */
export function mountOrder<T extends { mount: { target: string } }>(items: readonly T[]): T[] {
  return items
    .map((item, i) => ({ item, i, depth: parts(item.mount.target).length }))
    .sort((a, b) => a.depth - b.depth || a.i - b.i)
    .map(({ item }) => item);
}

function createMessage(label: string, l: Extract<Lookup, { kind: 'create' }>): string {
  return `${label} lies inside the mount at ${l.mount.target}, but ${l.hostPath} does not exist there: the runtime would create it as root (create it first, or mount elsewhere)`;
}

/**
 * Places every mount of ITEMS in docker's order, resolving each target in the tree made so far.
 * A mount whose target would be created inside a bind mount's host directory is refused; so is
 * a resolved target that breaks the path grammar (a symlink's target holding `,` or `:`).
 */
export function placeMounts(
  items: readonly Placing[],
  probe: Pick<HostProbe, 'lstat' | 'readlink' | 'userMay'>,
  image?: ImageLinks,
): TreePlan {
  const placed = new TreeIndex();
  const plan: TreePlan = { mounts: [], nested: new Map() };
  const byItem = new Map<Placing['mount'], BindMount>();
  for (const { mount, variable, label } of mountOrder(items)) {
    const l = lookupInTree(mount.target, placed, probe, image);
    if (l.kind === 'create') return { ...plan, problem: { variable, message: createMessage(label, l) } };
    const target = l.kind === 'found' ? l.path : mount.target;
    if (target !== mount.target && !parseAbsolutePath(target).ok)
      return { ...plan, problem: { variable, message: `${label} leads to a path docker cannot take` } };
    placed.add({ target, source: mount.source, origin: mount.origin });
    if (mount.origin === 'runtime') continue;
    const resolved: BindMount = { ...(mount as BindMount), target };
    byItem.set(mount, resolved);
    if (l.kind === 'found' && l.mount && l.mount.target !== target)
      plan.nested.set(resolved, { holder: l.mount, changeable: l.changeable });
  }
  // In the order given (docker sorts them again).
  for (const { mount } of items) {
    const resolved = byItem.get(mount);
    if (resolved) plan.mounts.push(resolved);
  }
  return plan;
}
