/**
 * The native addon (scripts/native-addon.c), built here as the install step builds it, against
 * the programs it stands in for: flock(1), getent passwd, id -G, getent group; and its environment
 * index against the JavaScript Map scripts/start.cjs builds without it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Native } from '../../../lib/host/native.js';

interface NameIndex {
  find(name: string): number | undefined;
  kept: number[] | null;
}
const start = createRequire(import.meta.url)(path.resolve('scripts/start.cjs')) as {
  nameIndex(raw: string[], text?: string, native?: unknown): NameIndex;
  environmentView(raw: string[], text?: string, native?: unknown): Record<string, string>;
};
/** TEXT's entries as start.cjs splits /proc/self/environ (a final empty one dropped). */
const entriesOf = (text: string) => {
  const entries = text.split('\0');
  if (entries[entries.length - 1] === '') entries.pop();
  return entries;
};

const HEADERS = path.join(path.dirname(path.dirname(process.execPath)), 'include/node/node_api.h');
const cc = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
const suite = cc && existsSync(HEADERS) ? describe : describe.skip;
let dir: string;
let addon: Native;

beforeAll(() => {
  if (!cc || !existsSync(HEADERS)) return;
  dir = mkdtempSync(path.join(tmpdir(), 'lsfd-native-'));
  execFileSync(cc, [
    '-O2',
    '-shared',
    '-fPIC',
    `-I${path.dirname(HEADERS)}`,
    '-o',
    `${dir}/lsfd-native.node`,
    path.resolve('scripts/native-addon.c'),
  ]);
  addon = createRequire(import.meta.url)(`${dir}/lsfd-native.node`) as Native;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const getent = (...args: string[]) => spawnSync('getent', args, { encoding: 'utf8' });

suite('lsfd-native.node', () => {
  test('flock: taken, then busy for another open, as flock(1) sees it; free once closed', () => {
    writeFileSync(`${dir}/lock`, '');
    const one = openSync(`${dir}/lock`, 'r');
    expect(addon.flock(one)).toBe(0);
    expect(addon.flock(openSync(`${dir}/lock`, 'r'))).toBe(11);
    expect(spawnSync('flock', ['--nonblock', `${dir}/lock`, 'true']).status).toBe(1);
  });

  test('passwd: what getent passwd says; null for a uid nobody has', () => {
    for (const uid of [0, process.getuid!()]) {
      const [name, , , , , home, shell] = getent('passwd', String(uid)).stdout.trim().split(':');
      const got = addon.passwd(uid);
      expect(got).toEqual([name, uid, expect.any(Number), home, shell]);
    }
    expect(getent('passwd', '3999999').status).toBe(2);
    expect(addon.passwd(3_999_999)).toBeNull();
  });

  test('groupList: the gids of id -G NAME; groupName: what getent group says, null for none', () => {
    const [name, , , gid] = getent('passwd', '0').stdout.trim().split(':');
    const id = execFileSync('id', ['-G', '--', name!], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(addon.groupList(name!, Number(gid))!.sort()).toEqual(id.sort());
    expect(addon.groupName(0)).toBe(getent('group', '0').stdout.split(':')[0]);
    expect(addon.groupName(3_999_999)).toBeNull();
    expect(() => addon.passwd(-1)).toThrow('uid must be a number');
  });

  test('envIndex answers as the Map: first of duplicate names, unnamed entries, keys that name nothing', () => {
    const text = ['A=1', 'B=x=y', 'A=2', '=nameless', 'noequals', '', 'C=', 'É=é', 'D=4'].join('\0');
    const raw = entriesOf(`${text}\0`);
    const native = start.nameIndex(raw, `${text}\0`, addon);
    const map = start.nameIndex(raw);
    for (const key of [
      'A',
      'B',
      'C',
      'D',
      'É',
      '',
      '=',
      'A=1',
      'noequals',
      'nameless',
      'B=x',
      '\0',
      'missing',
      '\ud800',
    ])
      expect([key, native.find(key)]).toEqual([key, map.find(key)]);
    expect(native.find('A')).toBe(0);
    expect(native.kept).toEqual([0, 1, 6, 7, 8]);
    expect(native.kept).toEqual(map.kept);
    const unique = ['X=1', 'Y=2'].join('\0');
    expect(start.nameIndex(entriesOf(unique), unique, addon).kept).toBeNull();
    expect(start.nameIndex([], '', addon).kept).toBeNull();
    expect(() => (addon as unknown as { envFind(h: unknown, n: string): number }).envFind({}, 'A')).toThrow(
      'an index and a string',
    );
  });

  test('envIndex and the Map agree on any environment text (names drawn from a few, so they repeat)', () => {
    const name = fc.constantFrom('A', 'B', 'PATH', 'É', 'LSB_JOBID', '', 'A_1');
    const entry = fc.oneof(
      fc.tuple(name, fc.string()).map(([n, v]) => `${n}=${v.replaceAll('\0', '')}`),
      fc.string().map((s) => s.replaceAll('\0', '')),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.boolean(), (entries, trailing) => {
        const text = entries.join('\0') + (trailing && entries.length > 0 ? '\0' : '');
        const raw = entriesOf(text);
        const native = start.nameIndex(raw, text, addon);
        const map = start.nameIndex(raw);
        expect(native.kept).toEqual(map.kept);
        for (const key of [
          'A',
          'B',
          'PATH',
          'É',
          'LSB_JOBID',
          'A_1',
          'Z',
          ...raw.map((e) => e.split('=')[0]!),
        ])
          expect(native.find(key)).toBe(map.find(key));
        const viewNative = start.environmentView(raw, text, addon);
        const viewMap = start.environmentView(raw);
        expect({ ...viewNative }).toEqual({ ...viewMap });
      }),
      { numRuns: 300 },
    );
  });

  test('envIndex: 10,000 variables, each found at its place', () => {
    const raw = Array.from({ length: 10_000 }, (_, i) => `BENCH_VAR_${i}=value-${i}`);
    const index = start.nameIndex(raw, `${raw.join('\0')}\0`, addon);
    expect(index.kept).toBeNull();
    for (const i of [0, 1, 4999, 9999]) expect(index.find(`BENCH_VAR_${i}`)).toBe(i);
    expect(index.find('BENCH_VAR_10000')).toBeUndefined();
  });
});
