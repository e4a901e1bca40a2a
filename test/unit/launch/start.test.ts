/**
 * scripts/start.cjs, which every launcher runs first: the NODE_* variables the launcher moved aside
 * come back for the job, the environment snapshot matches what Node reads, and a code cache
 * round-trips (or is refused without harm).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';

const START = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/start.cjs');
const start = createRequire(import.meta.url)(START) as {
  restoreJobNodeVariables(env: Record<string, string | undefined>): void;
  writeCache(file: string): void;
  cacheAccepted(file: string): boolean;
};
const dir = mkdtempSync(path.join(tmpdir(), 'lsfd-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('restoreJobNodeVariables', () => {
  test('moves each listed carrier back to its NODE_* name and removes the list', () => {
    const env: Record<string, string | undefined> = {
      LSFD_LAUNCHER_MOVED: ' NODE_OPTIONS NODE_',
      LSFD_LAUNCHER_NODE_OPTIONS: '--require x',
      LSFD_LAUNCHER_NODE_: '1',
      OTHER: 'kept',
    };
    start.restoreJobNodeVariables(env);
    expect(env).toEqual({ NODE_OPTIONS: '--require x', NODE_: '1', OTHER: 'kept' });
  });

  test('without the list, nothing changes, even variables that look like carriers', () => {
    const env = { LSFD_LAUNCHER_NODE_OPTIONS: 'mine', NODE_PATH: '/x' };
    start.restoreJobNodeVariables(env);
    expect(env).toEqual({ LSFD_LAUNCHER_NODE_OPTIONS: 'mine', NODE_PATH: '/x' });
  });

  test('only NODE_* names with a carrier come back (a forged list moves nothing else)', () => {
    const env: Record<string, string | undefined> = {
      LSFD_LAUNCHER_MOVED: 'PATH NODE_GONE NODE_X',
      LSFD_LAUNCHER_PATH: '/evil',
      LSFD_LAUNCHER_NODE_X: 'x',
      PATH: '/usr/bin',
    };
    start.restoreJobNodeVariables(env);
    expect(env).toEqual({ LSFD_LAUNCHER_PATH: '/evil', NODE_X: 'x', PATH: '/usr/bin' });
  });
});

describe('run: the program sees a plain snapshot of the environment', () => {
  test('the same names and values as process.env, UTF-8 and "=" in values included', () => {
    const probe = path.join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      'process.stdout.write(JSON.stringify({ plain: Object.getPrototypeOf(process.env) === Object.prototype, env: process.env }));\n',
    );
    const env = {
      PATH: '/usr/bin:/bin',
      A: 'x=y=z',
      B: '',
      C: 'héllo ✓',
      LSFD_LAUNCHER_MOVED: ' NODE_Q',
      LSFD_LAUNCHER_NODE_Q: 'q',
    };
    const r = spawnSync(
      process.execPath,
      ['-e', 'require(process.argv[1]).run(process.argv[2])', START, probe],
      {
        env,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.plain).toBe(true);
    expect(out.env).toEqual({ PATH: '/usr/bin:/bin', A: 'x=y=z', B: '', C: 'héllo ✓', NODE_Q: 'q' });
  });
});

describe('code cache', () => {
  test('a cache written for a bundle is accepted by a fresh process; garbage is refused', () => {
    const bundle = path.join(dir, 'bundle.cjs');
    writeFileSync(bundle, 'module.exports = function f(x) { return x * 2; };\n');
    start.writeCache(bundle);
    const accepted = (file: string) =>
      spawnSync(
        process.execPath,
        ['-p', 'require(process.argv[1]).cacheAccepted(process.argv[2])', START, file],
        {
          env: { PATH: '/usr/bin:/bin' },
          encoding: 'utf8',
        },
      ).stdout.trim();
    expect(accepted(bundle)).toBe('true');
    writeFileSync(`${bundle}.cache`, 'garbage');
    expect(accepted(bundle)).toBe('false');
  });
});

describe('environmentView: process.env as a view of the environment read once', () => {
  const s = createRequire(import.meta.url)(START) as {
    environmentView(entries: string[]): Record<string | symbol, unknown>;
    ENTRIES: symbol;
  };
  test('reads, in, own properties, enumeration, writes and deletes as on a plain object', () => {
    const entries = ['A=1', 'toString=shadow', 'B='];
    const env = s.environmentView(entries);
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
    expect([env.A, env.B, env.toString, env.MISSING]).toEqual(['1', '', 'shadow', undefined]);
    expect(['A' in env, 'MISSING' in env, 'hasOwnProperty' in env]).toEqual([true, false, true]);
    expect(Object.hasOwn(env, 'A')).toBe(true);
    expect(Object.entries(env)).toEqual([
      ['A', '1'],
      ['toString', 'shadow'],
      ['B', ''],
    ]);
    expect(JSON.parse(JSON.stringify(env))).toEqual({ A: '1', toString: 'shadow', B: '' });
    expect(env[s.ENTRIES]).toEqual(entries);
    expect(env[s.ENTRIES]).not.toBe(entries);
    env.C = 3;
    delete env.A;
    env.B = 'b';
    expect(env[s.ENTRIES]).toEqual(['toString=shadow', 'B=b', 'C=3']);
    expect([env.A, env.B, env.C, 'A' in env]).toEqual([undefined, 'b', '3', false]);
    expect(entries).toEqual(['A=1', 'toString=shadow', 'B=']);
  });

  test("raw entries: '=' in values, empty values, odd names, the first of duplicates wins (as getenv), no name is no variable", () => {
    const entries = ['A=x=y=', 'E=', 'odd-name.x=1', 'A=second', 'noequals', '=nameless', 'Z=z', 'E=again'];
    const env = s.environmentView(entries);
    expect([env.A, env.E, env['odd-name.x'], env.Z, env.noequals, env['']]).toEqual([
      'x=y=',
      '',
      '1',
      'z',
      undefined,
      undefined,
    ]);
    expect(Object.keys(env)).toEqual(['A', 'E', 'odd-name.x', 'Z']);
    expect(env[s.ENTRIES]).toEqual(['A=x=y=', 'E=', 'odd-name.x=1', 'Z=z']);
    // The first write turns it into names and values: the same entries, the change in place.
    env.E = 'set';
    expect(env[s.ENTRIES]).toEqual(['A=x=y=', 'E=set', 'odd-name.x=1', 'Z=z']);
    expect(env.A).toBe('x=y=');
  });

  test('an empty environment', () => {
    const env = s.environmentView([]);
    expect([Object.keys(env), env[s.ENTRIES], env.PATH]).toEqual([[], [], undefined]);
  });

  test('the entries are each named entry once, the first of a name, in order, whatever the list', () => {
    const name = fc.constantFrom('A', 'AB', 'A_B', 'B', 'a', 'é', 'A=', '', 'A B');
    const entry = fc.oneof(
      fc.tuple(name, fc.constantFrom('', '1', '=', 'x=y', 'A=1', '\n')).map(([n, v]) => `${n}=${v}`),
      fc.constantFrom('noequals', 'A', '=x', ''),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const seen = new Set<string>();
        const expected = entries.filter((e) => {
          const eq = e.indexOf('=');
          if (eq <= 0 || seen.has(e.slice(0, eq))) return false;
          seen.add(e.slice(0, eq));
          return true;
        });
        expect(s.environmentView(entries)[s.ENTRIES]).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the launcher's handoff: a big environment in a descriptor (scripts/launcher.c)", () => {
  test('without the addon, read as text: the view holds its entries (not the handoff name), the descriptor closed', () => {
    const block = path.join(dir, 'handed');
    writeFileSync(
      block,
      ['A=1', 'B=x=y', 'LSFD_LAUNCHER_MOVED= NODE_Q', 'LSFD_LAUNCHER_NODE_Q=q', ''].join('\0'),
    );
    const probe = path.join(dir, 'handoff-probe.cjs');
    writeFileSync(
      probe,
      "const fs = require('fs'); process.stdout.write(JSON.stringify({ env: { ...process.env }, open: fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === process.argv[2]; } catch { return false; } }).length }));\n",
    );
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        "const fd = require('fs').openSync(process.argv[2], 'r'); process.env.LSFD_LAUNCHER_ENVIRONMENT = String(fd); require(process.argv[1]).run(process.argv[3]);",
        START,
        block,
        probe,
      ],
      { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.env).toEqual({ A: '1', B: 'x=y', NODE_Q: 'q' });
    expect(out.open).toBe(0);
  });

  test('a handoff name that is no descriptor number is refused', () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        "process.env.LSFD_LAUNCHER_ENVIRONMENT = '3; x'; require(process.argv[1]).run('/dev/null')",
        START,
      ],
      { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('LSFD_LAUNCHER_ENVIRONMENT=3; x is not a descriptor');
  });
});
