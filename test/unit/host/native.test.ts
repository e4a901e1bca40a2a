/**
 * The native addon (scripts/native-addon.c), built here as the install step builds it, against
 * the programs it stands in for: flock(1), getent passwd, id -G, getent group.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Native } from '../../../lib/host/native.js';

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
});
