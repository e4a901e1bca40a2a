import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type SweepScope, staleDirs } from '../../../lib/job/leftovers.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(`${tmpdir()}/lsfd-sweep-`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const scope = (over: Partial<SweepScope> = {}): SweepScope => ({
  tmpRoot: root,
  host: 'node1',
  uid: 4201,
  selfPid: 1000,
  isAlive: (pid) => pid === 2000,
  dryRun: true,
  orphanAgeMs: 60_000,
  euid: process.geteuid!(),
  ...over,
});

function privateDir(name: string, record: object | undefined, opts: { mode?: number; uid?: number } = {}) {
  const dir = `${root}/${name}`;
  mkdirSync(dir);
  if (record) writeFileSync(`${dir}/owner.json`, JSON.stringify(record));
  chmodSync(dir, opts.mode ?? 0o700);
  if (opts.uid !== undefined) chownSync(dir, opts.uid, opts.uid);
  return dir;
}

const record = (over: object = {}) => ({
  pid: 3000,
  host: 'node1',
  uid: 4201,
  container: 'lsf_1_0_3000',
  ...over,
});
const names = (found: Array<{ dir: string }>) => found.map((f) => f.dir.slice(root.length + 1)).sort();

describe('staleDirs: what a sweep may take', () => {
  test('a private dir of the scope whose wrapper is dead, with its record', () => {
    privateDir('lsf-docker.4201.AAAAAA', record());
    const found = staleDirs(scope());
    expect(names(found)).toEqual(['lsf-docker.4201.AAAAAA']);
    expect(found[0]?.owner?.container).toBe('lsf_1_0_3000');
  });

  test('never: a live wrapper, our own, another host, another user, other names, the local LSF state dir', () => {
    privateDir('lsf-docker.4201.LIVE00', record({ pid: 2000 }));
    privateDir('lsf-docker.4201.SELF00', record({ pid: 1000 }));
    privateDir('lsf-docker.4201.OTHERH', record({ host: 'node2' }));
    privateDir('lsf-docker.4202.USER02', record({ uid: 4202 }));
    privateDir('lsf-docker.host', undefined);
    privateDir('lsf-docker.4201.TOOLONG7', record());
    expect(names(staleDirs(scope()))).toEqual([]);
  });

  test('never a forged record: its uid must be the uid in the dir name', () => {
    privateDir('lsf-docker.4201.FORGED', record({ uid: 4202 }));
    expect(names(staleDirs(scope()))).toEqual([]);
  });

  test('never a dir the sweeping process does not own, others may enter, or that is a link', () => {
    privateDir('lsf-docker.4201.NOTOWN', record(), { uid: 4202 });
    privateDir('lsf-docker.4201.OPENED', record(), { mode: 0o755 });
    const target = privateDir('elsewhere', record());
    symlinkSync(target, `${root}/lsf-docker.4201.LINKED`);
    expect(names(staleDirs(scope()))).toEqual([]);
  });

  test('a dir without a record only once it is older than the orphan age', () => {
    const young = privateDir('lsf-docker.4201.YOUNG0', undefined);
    const old = privateDir('lsf-docker.4201.OLD000', undefined);
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    expect(names(staleDirs(scope()))).toEqual(['lsf-docker.4201.OLD000']);
    expect(young).toBeDefined();
  });

  test('as root without a user scope: every uid in the names, still only root-owned dirs', () => {
    privateDir('lsf-docker.4201.AAAAAA', record());
    privateDir('lsf-docker.4202.BBBBBB', record({ uid: 4202 }));
    privateDir('lsf-docker.4202.CCCCCC', record({ uid: 4202 }), { uid: 4202 });
    expect(names(staleDirs(scope({ uid: undefined })))).toEqual([
      'lsf-docker.4201.AAAAAA',
      'lsf-docker.4202.BBBBBB',
    ]);
  });
});
