/** The names of the job's groups: /etc/group read once, then at most one lookup process, with a minimal environment. */
import { describe, expect, test } from '@jest/globals';
import {
  type GroupSources,
  groupNamesLater,
  groupNamesOf,
  LOOKUP_ENV,
  type Lookup,
  MAX_GROUP_LOOKUPS,
} from '../../../lib/host/identity-from-os.js';

const GROUP_FILE = [
  'root:x:0:',
  'users:x:100:',
  'bad line',
  'lab:x:4300:alice,bob',
  'alice:x:4201:',
  'dup:x:100:',
  '',
].join('\n');

function sources(file: string | undefined, known: Record<number, string> = {}) {
  const calls: Array<{ database: string; keys: string[] }> = [];
  let reads = 0;
  const lookup: Lookup = (database, keys) => {
    calls.push({ database, keys });
    return keys.flatMap((k) => (known[Number(k)] ? [`${known[Number(k)]}:*:${k}:`] : []));
  };
  const s: GroupSources = {
    groupFile: () => {
      reads++;
      if (file === undefined) throw new Error('ENOENT');
      return file;
    },
    lookup,
  };
  return { s, calls, reads: () => reads };
}

describe('group names', () => {
  test('all from /etc/group: read once, no lookup process; the first line of a gid wins', () => {
    const { s, calls, reads } = sources(GROUP_FILE);
    expect(groupNamesOf([4201, 100, 4300], s)).toEqual(
      new Map([
        [100, 'users'],
        [4300, 'lab'],
        [4201, 'alice'],
      ]),
    );
    expect(reads()).toBe(1);
    expect(calls).toEqual([]);
  });

  test('the rest: one lookup for exactly the missing gids, in order', () => {
    const { s, calls } = sources(GROUP_FILE, { 5000: 'ldap-a', 5002: 'ldap-c' });
    const names = groupNamesOf([4201, 5000, 100, 5001, 5002], s);
    expect(calls).toEqual([{ database: 'group', keys: ['5000', '5001', '5002'] }]);
    expect(names.get(5000)).toBe('ldap-a');
    expect(names.has(5001)).toBe(false);
    expect(names.get(5002)).toBe('ldap-c');
  });

  test(`at most ${MAX_GROUP_LOOKUPS} gids are looked up, however many the user has (the others are named g<GID>)`, () => {
    const many = Array.from({ length: 1000 }, (_, i) => 3_000_000 + i);
    const { s, calls } = sources(GROUP_FILE);
    groupNamesOf([4201, ...many], s);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.keys).toEqual(many.slice(0, MAX_GROUP_LOOKUPS).map(String));
  });

  test('no /etc/group: the lookup answers; an answer for a gid not asked is ignored', () => {
    const { s, calls } = sources(undefined, { 4201: 'alice', 7: 'other' });
    const lookup: Lookup = (db, keys) => [...s.lookup(db, keys), 'other:*:7:'];
    expect(groupNamesOf([4201], { ...s, lookup })).toEqual(new Map([[4201, 'alice']]));
    expect(calls).toEqual([{ database: 'group', keys: ['4201'] }]);
  });

  test("the lookup processes' environment is fixed, never the job's", () => {
    expect(LOOKUP_ENV).toEqual({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' });
  });

  test('begun when asked for, joined when the names are needed: the lookup starts first, its lines come once', () => {
    const { s, calls } = sources(GROUP_FILE);
    const events: string[] = [];
    const start = (gids: number[]) => {
      events.push(`start ${gids.join(',')}`);
      return () => {
        events.push('join');
        return ['ldap-a:x:5000:', 'stray:x:9:'];
      };
    };
    const later = groupNamesLater([4201, 5000, 5001], { ...s, start });
    expect(events).toEqual(['start 5000,5001']);
    const names = later();
    expect(names.get(5000)).toBe('ldap-a');
    expect(names.has(5001)).toBe(false);
    expect(names.has(9)).toBe(false);
    expect(names.get(4201)).toBe('alice');
    expect(later()).toBe(names);
    expect(events).toEqual(['start 5000,5001', 'join']);
    expect(calls).toEqual([]);
  });

  test('a start that cannot begin (no addon) leaves the lookup to the join; nothing missing starts nothing', () => {
    const { s, calls } = sources(GROUP_FILE, { 5000: 'ldap-a' });
    const later = groupNamesLater([4201, 5000], { ...s, start: () => undefined });
    expect(calls).toEqual([]);
    expect(later().get(5000)).toBe('ldap-a');
    expect(calls).toEqual([{ database: 'group', keys: ['5000'] }]);
    let started = 0;
    const start = () => {
      started++;
      return undefined;
    };
    groupNamesLater([4201, 100], { ...s, start })();
    expect(started).toBe(0);
  });
});
