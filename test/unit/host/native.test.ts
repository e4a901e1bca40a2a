/**
 * The native addon (scripts/native-addon.c), built here as the install step builds it, against
 * the programs it stands in for: flock(1), getent passwd, id -G, getent group; and its environment
 * index against the JavaScript Map scripts/start.cjs builds without it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Native } from '../../../lib/host/native.js';
import { envFileText } from '../../../lib/kernel/env-entries.js';
import { filterPlainRuns, filterVariables } from '../../../lib/policy/rules/env-filter.js';
import { buildAddon, canBuild, suite } from '../helpers/native-addon.js';

interface EnvironmentIndex {
  value(name: unknown): string | undefined;
  has(name: unknown): boolean;
  entries(): string[];
  names(): string[];
  plainRuns?(excluded: readonly string[], maxBytes: number): string[];
}
const start = createRequire(import.meta.url)(path.resolve('scripts/start.cjs')) as {
  environmentIndex(raw: string[] | undefined, text?: string, native?: unknown): EnvironmentIndex;
  environmentView(
    raw: string[] | undefined,
    text?: string,
    native?: unknown,
  ): Record<string | symbol, unknown>;
};
/** TEXT's entries as start.cjs splits /proc/self/environ (a final empty one dropped). */
const entriesOf = (text: string) => {
  const entries = text.split('\0');
  if (entries[entries.length - 1] === '') entries.pop();
  return entries;
};

let dir: string;
let addon: Native;
let built: ReturnType<typeof buildAddon> | undefined;

beforeAll(() => {
  if (!canBuild) return;
  built = buildAddon();
  ({ addon, dir } = built);
});
afterAll(() => built?.remove());

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

  test('groupNamesStart/Join: what groupName says for each gid, in order, joined once or twice alike', () => {
    const gids = [0, ...Array.from({ length: 40 }, (_, i) => 3_000_000 + i), process.getgid!(), 0];
    const lookups = addon.groupNamesStart!(gids);
    const names = addon.groupNamesJoin!(lookups);
    expect(names).toEqual(gids.map((g) => addon.groupName(g)));
    expect(addon.groupNamesJoin!(lookups)).toEqual(names);
    expect(addon.groupNamesJoin!(addon.groupNamesStart!([]))).toEqual([]);
    expect(() => addon.groupNamesStart!([-1])).toThrow('an array of at most 65536 gids');
    expect(() => addon.groupNamesJoin!({} as never)).toThrow('what groupNamesStart gave');
  });

  /** What an index says of KEYS, and its entries and names. */
  const answers = (index: EnvironmentIndex, keys: unknown[]) => ({
    values: keys.map((k) => [k, index.value(k), index.has(k)]),
    entries: index.entries(),
    names: index.names(),
  });

  test('envIndex answers as the Map: first of duplicate names, unnamed entries, keys that name nothing', () => {
    const text = `${['A=1', 'B=x=y', 'A=2', '=nameless', 'noequals', '', 'C=', 'É=é', 'D=4'].join('\0')}\0`;
    const keys = [
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
    ];
    const native = start.environmentIndex(undefined, text, addon);
    const odd = [Symbol('A'), 7];
    expect(answers(native, [...keys, ...odd])).toEqual(
      answers(start.environmentIndex(entriesOf(text)), [...keys, ...odd]),
    );
    expect(native.value('A')).toBe('1');
    expect(native.value('C')).toBe('');
    expect(native.entries()).toEqual(['A=1', 'B=x=y', 'C=', 'É=é', 'D=4']);
    expect(native.names()).toEqual(['A', 'B', 'C', 'É', 'D']);
    expect(start.environmentIndex(undefined, '', addon).entries()).toEqual([]);
    expect(() => (addon as unknown as { envValue(h: unknown, n: string): string }).envValue({}, 'A')).toThrow(
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
        const keys = ['A', 'B', 'PATH', 'É', 'LSB_JOBID', 'A_1', 'Z', ...raw.map((e) => e.split('=')[0]!)];
        expect(answers(start.environmentIndex(undefined, text, addon), keys)).toEqual(
          answers(start.environmentIndex(raw), keys),
        );
        const viewNative = start.environmentView(undefined, text, addon);
        const viewMap = start.environmentView(raw);
        expect({ ...viewNative }).toEqual({ ...viewMap });
        const ENTRIES = Symbol.for('lsf-docker.environment.entries');
        expect(viewNative[ENTRIES]).toEqual(viewMap[ENTRIES]);
      }),
      { numRuns: 300 },
    );
  });

  test('envIndex: 10,000 variables, each found', () => {
    const raw = Array.from({ length: 10_000 }, (_, i) => `BENCH_VAR_${i}=value-${i}`);
    const index = start.environmentIndex(undefined, `${raw.join('\0')}\0`, addon);
    for (const i of [0, 1, 4999, 9999]) expect(index.value(`BENCH_VAR_${i}`)).toBe(`value-${i}`);
    expect(index.has('BENCH_VAR_10000')).toBe(false);
    expect(index.entries()).toEqual(raw);
  });

  test('envPlain + filterPlainRuns decide as filterVariables: the same env-file, the same drops, in order', () => {
    const name = fc.constantFrom(
      'A',
      'b_2',
      '_X',
      'PATH',
      'SUDO_USER',
      'HOSTNAME',
      'HOME',
      'TMPDIR',
      '9A',
      'É',
      'A-B',
      'LSB_INTERACTIVE',
    );
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('() { echo; }', '()x', 'a\nb', 'a\rb', '', 'x=y', 'é✓'),
      fc.nat(30_000).map((n) => 'v'.repeat(n)),
      fc.nat(12_000).map((n) => 'é'.repeat(n)),
    );
    const pair = fc.tuple(name, value).map(([n, v]) => [n, v.replaceAll('\0', '')] as [string, string]);
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 20 }), fc.array(pair, { maxLength: 4 }), (env, later) => {
        const text = `${env.map(([n, v]) => `${n}=${v}`).join('\0')}\0`;
        const index = start.environmentIndex(undefined, text, addon);
        const unique = start.environmentIndex(entriesOf(text)).entries();
        const wrapper = [later, [['HOME', '/home/alice'] as [string, string]]];
        const expected = filterVariables(unique, wrapper, []);
        const got = filterPlainRuns(index.plainRuns!, wrapper);
        expect(got.text).toBe(envFileText(expected.kept));
        expect(got.dropped).toEqual(expected.dropped);
      }),
      { numRuns: 400 },
    );
  });

  test("envIndexOfProcess: the process's own environment (environ), as /proc/self/environ shows it", () => {
    const script = `
      const a = require(process.argv[1]);
      const fs = require('node:fs');
      const own = a.envEntries(a.envIndexOfProcess());
      const read = a.envEntries(a.envIndex(fs.readFileSync('/proc/self/environ', 'utf8')));
      process.stdout.write(JSON.stringify({ same: JSON.stringify(own) === JSON.stringify(read), own }));`;
    const env = { PATH: '/usr/bin:/bin', A: 'x=y', B: '', C: 'héllo ✓', D: 'line\nbreak' };
    const r = spawnSync(process.execPath, ['-e', script, `${dir}/lsfd-native.node`], {
      env,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.same).toBe(true);
    expect(out.own).toEqual(Object.entries(env).map(([n, v]) => `${n}=${v}`));
  });

  test('pathFacts: realpath, then stat and access of the real path, as fs says; null for what does not resolve', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'lsfd-facts-'));
    try {
      mkdirSync(`${base}/dir`);
      writeFileSync(`${base}/file`, 'x', { mode: 0o640 });
      symlinkSync(`${base}/dir`, `${base}/link`);
      symlinkSync(`${base}/none`, `${base}/dangling`);
      const paths = [
        `${base}/dir`,
        `${base}/file`,
        `${base}/link`,
        `${base}/dangling`,
        `${base}/none`,
        `${base}/dir/../file`,
        '',
        'a\0b',
      ];
      paths.push(...Array.from({ length: 20 }, () => `${base}/dir`));
      const facts = addon.pathFacts!(paths, true);
      expect(facts).toHaveLength(paths.length);
      for (const [i, p] of paths.entries()) {
        let real: string | undefined;
        try {
          real = p.includes('\0') ? undefined : realpathSync.native(p);
        } catch {
          real = undefined;
        }
        if (real === undefined) {
          expect([p, facts[i]]).toEqual([p, null]);
          continue;
        }
        const st = statSync(real);
        const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
        const may = (mode: number) => {
          try {
            accessSync(real, mode);
            return true;
          } catch {
            return false;
          }
        };
        const bits =
          (may(constants.R_OK) ? 4 : 0) | (may(constants.W_OK) ? 2 : 0) | (may(constants.X_OK) ? 1 : 0);
        expect([p, facts[i]]).toEqual([p, [real, kind, st.mode, st.uid, st.gid, bits]]);
      }
      expect(addon.pathFacts!([`${base}/dir`], false)[0]![5]).toBe(0);
      expect(() => addon.pathFacts!('x' as never, true)).toThrow('an array of at most 65536 paths');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  test("jsonString: JSON.stringify's bytes for any well-formed string (controls, quotes, backslashes, astral)", () => {
    const make = (text: string) => addon.jsonString!(Buffer.from(text, 'utf8')).toString('utf8');
    for (const text of ['', 'a"b\\c', 'x\n\r\t\b\f', '\u0000\u0001\u001f\u007f', 'é✓😀', '\u2028\u2029'])
      expect(make(text)).toBe(JSON.stringify(text));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(make(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 1000 },
    );
    const big = `${Array.from({ length: 10_000 }, (_, i) => `BENCH_VAR_${i}="v\\${i}"\t`).join('\n')}\n`;
    expect(make(big)).toBe(JSON.stringify(big));
    expect(() => addon.jsonString!('text' as never)).toThrow('in a Buffer');
  });

  test("envAdoptFd takes only the launcher's sealed memfd: a plain file is refused, left open, environ untouched", () => {
    const file = `${dir}/not-a-memfd`;
    writeFileSync(file, 'EVIL=1\0');
    const fd = openSync(file, 'r');
    const env = addon as unknown as {
      envAdoptFd(fd: number): boolean;
      envEntries(index: unknown): string[];
      envIndexOfProcess(): unknown;
    };
    const before = env.envEntries(env.envIndexOfProcess());
    expect(env.envAdoptFd(fd)).toBe(false);
    expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe(file);
    expect(env.envEntries(env.envIndexOfProcess())).toEqual(before);
    expect(() => env.envAdoptFd(-1)).toThrow('a descriptor');
  });
});
