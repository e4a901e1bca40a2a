/** How each widening key combines with the top-level value: never narrower than either. */
import { describe, expect, test } from '@jest/globals';
import { ceiling, enable, ulimitsMax, union, WIDENABLE } from '../../../lib/config/profiles/widen.js';
import { KEYS } from '../../../lib/config/schema.js';

describe('the widen table', () => {
  test('every row is a top-level key, once, with the parser of that key', () => {
    const keys = WIDENABLE.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const row of WIDENABLE) {
      const top = KEYS.find((k) => `${k.section}.${k.key}` === row.key);
      expect(top).toBeDefined();
      expect(row.def.parse).toBe(top!.parse);
    }
  });

  test('what a profile may widen, and how', () => {
    expect(Object.fromEntries(WIDENABLE.map((r) => [r.key, r.widener.how]))).toEqual({
      'network.allow': 'union',
      'ipc.allow': 'union',
      'volumes.allow': 'union',
      'mounts.mount': 'union',
      'security.cap_add': 'union',
      'security.allow_cgroup_parent': 'union',
      'security.allow_raw_args': 'true only',
      'security.allow_entrypoint': 'true only',
      'security.privileged': 'true only',
      'security.pids_limit': 'max',
      'devices.device': 'union',
      'devices.infiniband': 'union',
      'environment.pass': 'union',
      'resources.memory': 'max',
      'resources.max_memory': 'max',
      'resources.max_shm_size': 'max',
      'resources.ulimit': 'max',
    });
  });
});

describe('union: lists', () => {
  const u = union<string>();
  test.each<[string[], string[], string[], string | undefined]>([
    [['default', 'bridge'], ['host'], ['default', 'bridge', 'host'], 'k += host'],
    [['default', 'host'], ['host'], ['default', 'host'], undefined],
    [[], ['a', 'b', 'a'], ['a', 'b'], 'k += a, b'],
    [['a'], [], ['a'], undefined],
  ])('%j with %j', (current, extra, merged, change) => {
    expect(u.merge(current, extra)).toEqual(merged);
    expect(u.describe('k', current, merged)).toBe(change);
  });
});

describe('ceilings: the larger; "no limit" is the largest', () => {
  const size = ceiling<number | undefined>(undefined, (n) => `${n}b`);
  const pids = ceiling<number>(0, String);
  test.each<[number | undefined, number | undefined, number | undefined, string | undefined]>([
    [100, 200, 200, 'k: 100b -> 200b'],
    [200, 100, 200, undefined],
    [undefined, 100, undefined, undefined],
    [100, undefined, undefined, 'k: 100b -> no limit'],
  ])('size %s with %s', (current, extra, merged, change) => {
    expect(size.merge(current, extra)).toBe(merged);
    expect(size.describe('k', current, merged)).toBe(change);
  });
  test.each<[number, number, number]>([
    [4096, 8192, 8192],
    [8192, 4096, 8192],
    [4096, 0, 0],
    [0, 4096, 0],
  ])('pids %d with %d', (current, extra, merged) => {
    expect(pids.merge(current, extra)).toBe(merged);
  });
});

describe('switches only turn on', () => {
  test.each<[boolean, boolean, boolean, string | undefined]>([
    [false, true, true, 'k = true'],
    [true, false, true, undefined],
    [false, false, false, undefined],
  ])('%s with %s', (current, extra, merged, change) => {
    expect(enable.merge(current, extra)).toBe(merged);
    expect(enable.describe('k', current, merged)).toBe(change);
  });
});

describe('ulimits by name, the larger soft and hard; -1 is unlimited', () => {
  test.each<[string[], string[], string[]]>([
    [[], ['memlock=-1'], ['memlock=-1']],
    [['memlock=65536'], ['memlock=-1'], ['memlock=-1']],
    [['nofile=1024:4096'], ['nofile=2048:2048'], ['nofile=2048:4096']],
    [['nofile=65536'], ['nofile=1024'], ['nofile=65536']],
    [['nofile=1024'], ['memlock=-1'], ['nofile=1024', 'memlock=-1']],
  ])('%j with %j', (current, extra, merged) => {
    expect(ulimitsMax.merge(current, extra)).toEqual(merged);
  });
  test('the change names what moved', () => {
    expect(ulimitsMax.describe('k', ['nofile=1024'], ['nofile=2048'])).toBe('k: nofile=2048');
    expect(ulimitsMax.describe('k', ['nofile=1024'], ['nofile=1024'])).toBeUndefined();
  });
});
