/**
 * Which top-level keys a profile may widen, and how: lists by union, ceilings by the larger
 * value, switches only towards true. One row per key; a key without a row cannot be widened.
 * Each row's value is parsed by the top-level key's own parser (lib/config/keys/<section>.ts).
 */
import { formatSize } from '../../kernel/grammar/size.js';
import type { KeyDef } from '../key-def.js';
import type { MountSpec } from '../mount-spec.js';
import { type Config, KEYS } from '../schema.js';

/** How a profile's value combines with the top-level one: never narrower than either. */
export interface Widener<T> {
  how: 'union' | 'max' | 'true only';
  merge(current: T, extra: T): T;
  /** The change from BEFORE to AFTER for explain and the audit line; undefined when nothing changed. */
  describe(key: string, before: T, after: T): string | undefined;
}

export interface WidenRow {
  key: string;
  widener: Widener<unknown>;
  get(config: Config): unknown;
  /** The top-level key: its parser reads the profile's value, its assign sets the merged one. */
  def: KeyDef;
}

/** Union of two lists, the current entries first; entries are the same when ID says so. */
export function union<T>(id: (v: T) => string = String): Widener<T[]> {
  return {
    how: 'union',
    merge: (current, extra) => [
      ...current,
      ...extra.filter(
        (v, i) => !current.some((c) => id(c) === id(v)) && extra.findIndex((e) => id(e) === id(v)) === i,
      ),
    ],
    describe: (key, before, after) => {
      const added = after.slice(before.length).map(id);
      return added.length > 0 ? `${key} += ${added.join(', ')}` : undefined;
    },
  };
}

/** The larger of two ceilings; UNLIMITED (no limit) is larger than any number. */
export function ceiling<T extends number | undefined>(unlimited: T, show: (v: number) => string): Widener<T> {
  const shown = (v: T) => (v === unlimited || v === undefined ? 'no limit' : show(v));
  return {
    how: 'max',
    merge: (current, extra) =>
      current === unlimited || extra === unlimited ? unlimited : (Math.max(current ?? 0, extra ?? 0) as T),
    describe: (key, before, after) =>
      before === after ? undefined : `${key}: ${shown(before)} -> ${shown(after)}`,
  };
}

/** A switch a profile can only turn on. */
export const enable: Widener<boolean> = {
  how: 'true only',
  merge: (current, extra) => current || extra,
  describe: (key, before, after) => (before === after ? undefined : `${key} = true`),
};

/** A ulimit limit; -1 (unlimited) is the largest. */
const larger = (a: number, b: number) => (a === -1 || b === -1 ? -1 : Math.max(a, b));

function splitUlimit(text: string): { name: string; soft: number; hard: number } {
  const [name, limits = ''] = text.split('=') as [string, string?];
  const [soft, hard = soft] = limits.split(':').map(Number) as [number, number?];
  return { name, soft, hard };
}

/** Ulimits by name: for a name in both, the larger soft and the larger hard limit. */
export const ulimitsMax: Widener<string[]> = {
  how: 'max',
  merge: (current, extra) => {
    const byName = new Map(current.map((u) => [splitUlimit(u).name, splitUlimit(u)]));
    for (const u of extra.map(splitUlimit)) {
      const had = byName.get(u.name);
      byName.set(u.name, had ? { ...u, soft: larger(had.soft, u.soft), hard: larger(had.hard, u.hard) } : u);
    }
    return [...byName.values()].map((u) =>
      u.soft === u.hard ? `${u.name}=${u.soft}` : `${u.name}=${u.soft}:${u.hard}`,
    );
  },
  describe: (key, before, after) => {
    const changed = after.filter((u) => !before.includes(u));
    return changed.length > 0 ? `${key}: ${changed.join(', ')}` : undefined;
  },
};

const size = (bytes: number) => formatSize(bytes);

function row<T>(key: string, get: (c: Config) => T, widener: Widener<T>): WidenRow {
  const [section, name] = key.split('.') as [string, string];
  const def = KEYS.find((k) => k.section === section && k.key === name);
  if (!def) throw new Error(`widen table: ${key} is not a config key`);
  return { key, widener: widener as Widener<unknown>, get, def };
}

/** Every key a profile may widen. */
export const WIDENABLE: readonly WidenRow[] = [
  row('network.allow', (c) => c.network.allow, union()),
  row('ipc.allow', (c) => c.ipc.allow, union()),
  row('volumes.allow', (c) => c.volumes.allow, union()),
  row(
    'mounts.mount',
    (c) => c.mounts.mount,
    union<MountSpec>((m) => m.text),
  ),
  row('security.cap_add', (c) => c.security.capAdd, union()),
  row('security.allow_cgroup_parent', (c) => c.security.allowCgroupParent, union()),
  row('security.allow_raw_args', (c) => c.security.allowRawArgs, enable),
  row('security.allow_entrypoint', (c) => c.security.allowEntrypoint, enable),
  row('security.privileged', (c) => c.security.privileged, enable),
  row('security.pids_limit', (c) => c.security.pidsLimit, ceiling(0, String)),
  row('devices.device', (c) => c.devices.device, union()),
  row('devices.infiniband', (c) => c.devices.infiniband, union()),
  row('environment.pass', (c) => c.environment.pass, union()),
  row('resources.memory', (c) => c.resources.memory, ceiling(undefined, size)),
  row('resources.max_memory', (c) => c.resources.maxMemory, ceiling(undefined, size)),
  row('resources.max_shm_size', (c) => c.resources.maxShmSize, ceiling(undefined, size)),
  row('resources.ulimit', (c) => c.resources.ulimits, ulimitsMax),
];

export const widenRow = (key: string): WidenRow | undefined => WIDENABLE.find((r) => r.key === key);
