/** The submit-time check's memory of registries that did not answer (per user, [images] check_retry_after). */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  fileMemory,
  memoryDir,
  registryFileName,
  stillSilent,
  throughMemory,
  type UnreachableMemory,
} from '../../../lib/esub/unreachable-memory.js';

const found = { kind: 'found' } as never;
const silent = { kind: 'unreachable', detail: 'ENOTFOUND' } as const;

function fakeMemory(): UnreachableMemory & { at: Map<string, number> } {
  const at = new Map<string, number>();
  return {
    at,
    silentFor: (r, now) => (at.has(r) ? (now - at.get(r)!) / 1000 : undefined),
    remember: (r, now) => void at.set(r, now),
    forget: (r) => void at.delete(r),
  };
}

describe('throughMemory', () => {
  test('a silence is remembered; within check_retry_after the registry is not asked; after it, asked again; an answer forgets', async () => {
    const memory = fakeMemory();
    let asked = 0;
    let answer: typeof silent | typeof found = silent;
    const resolve = async () => {
      asked += 1;
      return answer;
    };
    let now = 1_000_000;
    const check = () => throughMemory('docker.io', resolve, memory, 60, () => now);
    expect(await check()).toEqual(silent);
    now += 30_000;
    expect(await check()).toEqual({
      kind: 'unreachable',
      detail: 'no answer 30 s ago; asked again after 60 s',
    });
    expect(asked).toBe(1);
    now += 31_000;
    answer = found;
    expect(await check()).toBe(found);
    expect(asked).toBe(2);
    expect(memory.at.has('docker.io')).toBe(false);
  });

  test('check_retry_after = 0: always asked, nothing remembered', async () => {
    const memory = fakeMemory();
    let asked = 0;
    for (let i = 0; i < 3; i++)
      await throughMemory(
        'r:5000',
        async () => {
          asked += 1;
          return silent;
        },
        memory,
        0,
      );
    expect([asked, memory.at.size]).toEqual([3, 0]);
  });

  test('pure parts: file names, the window, the dir', () => {
    expect(registryFileName('registry.example:5000')).toBe('registry.example_5000');
    expect(registryFileName('../../etc')).toBe('.._.._etc');
    expect([
      stillSilent(10, 60),
      stillSilent(60, 60),
      stillSilent(undefined, 60),
      stillSilent(-5, 60),
    ]).toEqual([true, false, false, false]);
    expect(memoryDir({ XDG_CACHE_HOME: '/x/c' }, '/home/u')).toBe('/x/c/lsf-docker/unreachable-registries');
    expect(memoryDir({ XDG_CACHE_HOME: 'rel' }, '/home/u')).toBe(
      '/home/u/.cache/lsf-docker/unreachable-registries',
    );
  });
});

describe('fileMemory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-silent-`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('remembers by mtime, forgets; a symlink in a name counts as nothing and is never written through', () => {
    const m = fileMemory(`${dir}/mem`);
    const now = Date.now();
    expect(m.silentFor('docker.io', now)).toBeUndefined();
    m.remember('docker.io', now - 5000);
    expect(Math.round(m.silentFor('docker.io', now)!)).toBe(5);
    m.forget('docker.io');
    expect(m.silentFor('docker.io', now)).toBeUndefined();
    writeFileSync(`${dir}/target`, 'keep');
    symlinkSync(`${dir}/target`, `${dir}/mem/r.example`);
    expect(m.silentFor('r.example', now)).toBeUndefined();
    m.remember('r.example', now);
    expect(m.silentFor('r.example', now)).toBeUndefined();
  });
});
