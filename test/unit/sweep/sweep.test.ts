/** The sweeps against the fake runtime: which containers and private dirs go, and which stay. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { type SweepScope, sweepStaleDirs } from '../../../lib/job/leftovers.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import type { FoundContainer } from '../../../lib/runtime/types.js';
import { sweepAll } from '../../../lib/sweep/sweep.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(`${tmpdir()}/lsfd-sweep-`);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const DEAD = 3000;
const ALIVE = 2000;
const scope = (over: Partial<SweepScope> = {}): SweepScope => ({
  tmpRoot: root,
  host: 'node1',
  uid: 4201,
  selfPid: 1000,
  isAlive: (pid) => pid === ALIVE,
  dryRun: false,
  orphanAgeMs: 60_000,
  euid: process.geteuid!(),
  requireProof: false,
  ...over,
});

const container = (n: number, pid: number, over: Record<string, string> = {}): FoundContainer => ({
  id: String(n).repeat(64),
  name: `lsf_7_0_${pid}`,
  running: true,
  user: '4201:4201',
  workdir: '/',
  labels: {
    'lsf-docker.managed': 'true',
    'lsf-docker.uid': '4201',
    'lsf-docker.host': 'node1',
    'lsf-docker.pid': String(pid),
    ...over,
  },
});

function privateDir(suffix: string, owner: object) {
  const dir = `${root}/lsf-docker.4201.${suffix}`;
  mkdirSync(dir);
  writeFileSync(`${dir}/owner.json`, JSON.stringify(owner));
  chmodSync(dir, 0o700);
  return dir;
}
const owner = (pid: number, container: string) => ({
  pid,
  host: 'node1',
  uid: 4201,
  container,
  job: '7',
  started: '',
});

describe('sweepAll', () => {
  test("removes our containers whose wrapper is gone, in the caller's scope, found by label", async () => {
    const runtime = fakeRuntime({
      containers: [container(1, DEAD), container(2, ALIVE), container(3, DEAD, { 'lsf-docker.uid': '4202' })],
    });
    const report = await sweepAll(runtime, scope());
    expect(report).toEqual({ containers: ['lsf_7_0_3000'], dirs: [], problems: [], kept: [] });
    expect(runtime.ops()).toEqual([
      'find:lsf-docker.managed=true,lsf-docker.host=node1,lsf-docker.uid=4201',
      `removeId:${'1'.repeat(64)}`,
    ]);
  });

  test("as root (no uid): every user's; a dry run removes nothing", async () => {
    const runtime = fakeRuntime({
      containers: [container(1, DEAD), container(3, DEAD, { 'lsf-docker.uid': '4202' })],
    });
    const report = await sweepAll(runtime, scope({ uid: undefined, dryRun: true }));
    expect(report.containers).toHaveLength(2);
    expect(runtime.ops().filter((o) => o.startsWith('removeId'))).toEqual([]);
  });

  test('a removal that fails is a problem; the daemon down is one problem, the dirs are still swept', async () => {
    const failing = fakeRuntime({
      containers: [container(1, DEAD)],
      removeFails: { ['1'.repeat(64)]: 'permission denied' },
    });
    expect((await sweepAll(failing, scope())).problems).toEqual(['lsf_7_0_3000: permission denied']);
    const dir = privateDir('AbC123', owner(DEAD, ''));
    const down = await sweepAll(fakeRuntime({ daemonDown: true }), scope());
    expect(down.problems).toHaveLength(1);
    expect(down.problems[0]).toMatch(/cannot reach the docker daemon/);
    expect(down.dirs).toEqual([dir]);
  });
});

describe('sweepStaleDirs (docker_run start-up)', () => {
  test('no stale dir: no runtime call at all', async () => {
    const runtime = fakeRuntime({ containers: [container(1, DEAD)] });
    privateDir('AbC123', owner(ALIVE, 'lsf_7_0_2000'));
    expect(await sweepStaleDirs(runtime, scope())).toEqual({
      containers: [],
      dirs: [],
      problems: [],
      kept: [],
    });
    expect(runtime.ops()).toEqual([]);
  });

  test('a dead wrapper: the container its record names (labels agree) and the dir', async () => {
    const runtime = fakeRuntime({ containers: [container(1, DEAD)] });
    const dir = privateDir('AbC123', owner(DEAD, 'lsf_7_0_3000'));
    const report = await sweepStaleDirs(runtime, scope());
    expect(report).toEqual({ containers: ['lsf_7_0_3000'], dirs: [dir], problems: [], kept: [] });
    expect(existsSync(dir)).toBe(false);
    expect(runtime.ops()[0]).toBe(
      'find:lsf-docker.managed=true,lsf-docker.uid=4201,lsf-docker.pid=3000,lsf-docker.host=node1',
    );
  });

  test("a record naming someone else's container removes nothing but the dir", async () => {
    // the container of that name has another wrapper pid: the labels disagree with the record
    const runtime = fakeRuntime({ containers: [{ ...container(1, ALIVE), name: 'lsf_7_0_3000' }] });
    const dir = privateDir('AbC123', owner(DEAD, 'lsf_7_0_3000'));
    const report = await sweepStaleDirs(runtime, scope());
    expect(report).toEqual({ containers: [], dirs: [dir], problems: [], kept: [] });
    expect(runtime.ops().some((o) => o.startsWith('removeId'))).toBe(false);
  });

  test('a container that cannot be removed keeps its dir for a later sweep', async () => {
    const runtime = fakeRuntime({
      containers: [container(1, DEAD)],
      removeFails: { ['1'.repeat(64)]: 'busy' },
    });
    const dir = privateDir('AbC123', owner(DEAD, 'lsf_7_0_3000'));
    const report = await sweepStaleDirs(runtime, scope());
    expect(report).toEqual({ containers: [], dirs: [], problems: ['lsf_7_0_3000: busy'], kept: [] });
    expect(existsSync(dir)).toBe(true);
    const down = await sweepStaleDirs(fakeRuntime({ daemonDown: true }), scope());
    expect(down.dirs).toEqual([]);
    expect(down.problems).toHaveLength(1);
  });
});

describe('root removes only what a private dir proves', () => {
  const proven = (n: number, pid: number, dirSuffix: string) => {
    const dir = privateDir(dirSuffix, owner(pid, `lsf_7_0_${pid}`));
    writeFileSync(`${dir}/cid`, `${String(n).repeat(64)}\n`);
    return { ...container(n, pid, { 'lsf-docker.dir': dir }), name: `lsf_7_0_${pid}` };
  };

  test('a dead wrapper whose record and cidfile name the container: removed; forged labels alone: kept', async () => {
    chmodSync(root, 0o1777);
    const real = proven(1, DEAD, 'AbC123');
    const forged = container(2, DEAD + 1, { 'lsf-docker.dir': real.labels['lsf-docker.dir']! });
    const bare = container(3, DEAD + 2);
    const runtime = fakeRuntime({ containers: [real, forged, bare] });
    const report = await sweepAll(runtime, scope({ requireProof: true, uid: undefined }));
    expect(report.containers).toContain('lsf_7_0_3000');
    expect(report.kept).toEqual([
      'lsf_7_0_3001: its private dir names another container',
      'lsf_7_0_3002: its lsf-docker.dir label does not name a private dir of yours',
    ]);
    const removed = new Set(runtime.ops().filter((o) => o.startsWith('removeId')));
    expect([...removed]).toEqual([`removeId:${'1'.repeat(64)}`]);
  });
});

describe("root's proof when the scheduler says the job ended (the wrapper may still live)", () => {
  test('a live wrapper proves nothing unless the job has ended', async () => {
    const { sweepProof } = await import('../../../lib/sweep/sweep.js');
    chmodSync(root, 0o1777);
    const dir = privateDir('ZzZ999', owner(ALIVE, 'lsf_7_0_2000'));
    writeFileSync(`${dir}/cid`, `${'5'.repeat(64)}\n`);
    const c = { ...container(5, ALIVE, { 'lsf-docker.dir': dir }), name: 'lsf_7_0_2000' };
    const s = scope();
    expect(sweepProof(c, s)).toBe('its docker_run is alive');
    expect(sweepProof(c, s, true)).toBeUndefined();
  });
});
