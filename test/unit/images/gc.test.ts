/** The image GC: keep[] entries, the store's bytes with shared layers, the LRU plan, and a GC run on the fake store. */
import { chmodSync, existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { imagesDefaults } from '../../../lib/config/keys/images.js';
import { defaultConfig } from '../../../lib/config/schema.js';
import { collectAfterJob, collectGarbage } from '../../../lib/job/image/gc.js';
import { type GcFacts, type GcLimits, goal, planGc } from '../../../lib/job/image/gc-plan.js';
import { jobImageState } from '../../../lib/job/image/host-state.js';
import { keptBy } from '../../../lib/job/image/keep.js';
import { recordName, recordUse } from '../../../lib/job/image/last-use.js';
import { storeBytes } from '../../../lib/job/image/store-bytes.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import { FakeImageStore, fakeImage } from '../../../lib/runtime/fake-images.js';
import { memoryLogger } from '../job/helpers.js';

const HOUR = 3600_000;
const NOW = 1_000 * HOUR;

describe('keep[]', () => {
  const img = fakeImage('x', {
    repoTags: ['lsf-docker-test/busybox:latest', '127.0.0.1:5000/lsfd/busybox:latest'],
    repoDigests: [`127.0.0.1:5000/lsfd/busybox@sha256:${'d'.repeat(64)}`],
  });
  test.each([
    ['lsf-docker-test/', true],
    ['docker.io/lsf-docker-test/', true],
    ['lsf-docker-test/busybox', true],
    ['lsf-docker-test/busybox:latest', true],
    ['lsf-docker-test/busybox:1', false],
    ['lsf-docker-test/busy', false],
    ['127.0.0.1:5000/lsfd/', true],
    ['127.0.0.1:5000/lsfd/busybox', true],
    [`127.0.0.1:5000/lsfd/busybox@sha256:${'d'.repeat(64)}`, true],
    ['busybox', false],
    [img.id.slice(0, 19), true],
    ['sha256:ffff', false],
  ])('%s keeps it: %s', (entry, kept) => {
    expect(keptBy([entry], img) === entry).toBe(kept);
  });

  test('busybox is docker.io/library/busybox', () => {
    expect(keptBy(['busybox'], fakeImage('b', { repoTags: ['busybox:1.36'] }))).toBe('busybox');
  });
});

describe('store bytes', () => {
  const a = fakeImage('a', { size: 100, layers: ['l1'] });
  const b = fakeImage('b', { size: 150, layers: ['l1', 'l2'] });
  const c = fakeImage('c', { size: 180, layers: ['l1', 'l2', 'l3'] });
  const twin = fakeImage('t', { size: 100, layers: ['l1'] });
  const other = fakeImage('o', { size: 70, layers: ['m1'] });
  test.each([
    [[a], 100],
    [[a, b], 150],
    [[a, b, c], 180],
    [[b, c], 180],
    [[a, twin], 100],
    [[a, other], 170],
    [[c, other], 250],
  ])('%#: %d bytes', (images, bytes) => {
    expect(storeBytes(images)).toBe(bytes);
  });
});

const limits = (over: Partial<GcLimits> = {}): GcLimits => ({
  minAge: 3600,
  keep: [],
  maxBytes: 250,
  targetBytes: 150,
  ...over,
});
const facts = (images: ReturnType<typeof fakeImage>[], over: Partial<GcFacts> = {}): GcFacts => ({
  images,
  inUse: new Set(),
  lastUse: new Map(),
  now: NOW,
  ...over,
});

describe('the plan', () => {
  const old = (seed: string, hoursAgo: number, size = 100) =>
    fakeImage(seed, { size, lastTagTime: NOW - hoursAgo * HOUR, layers: [seed] });

  test('under the mark: nothing', () => {
    const p = planGc(facts([old('a', 5), old('b', 4)]), limits());
    expect(p).toMatchObject({ storeBytes: 200, remove: [] });
    expect(p.over).toBeUndefined();
  });

  test('least recently used first until under the target; a recorded job start counts over the pull time', () => {
    const images = [old('a', 5), old('b', 4), old('c', 3), old('d', 2)];
    const lastUse = new Map([['docker.io/library/a:latest', NOW - 1.5 * HOUR]]);
    const p = planGc(facts(images, { lastUse }), limits({ targetBytes: 200 }));
    expect(p.over).toBe('gc_max_bytes 250');
    expect(p.remove.map((r) => r.image.repoTags[0])).toEqual(['b:latest', 'c:latest']);
    expect(p).toMatchObject({ storeBytes: 400, afterBytes: 200 });
    expect(p.judged.find((j) => j.image.repoTags[0] === 'a:latest')).toMatchObject({ since: 'job' });
    // Until under the target: 150 needs a third, 0 takes every one.
    expect(planGc(facts(images, { lastUse }), limits({ targetBytes: 150 })).remove).toHaveLength(3);
    expect(
      planGc(facts(images, { lastUse }), limits({ targetBytes: 0 })).remove.at(-1)?.image.repoTags,
    ).toEqual(['a:latest']);
  });

  test('never in use, kept or younger than gc_min_age', () => {
    const images = [
      old('used', 9),
      old('kept', 8),
      fakeImage('young', { size: 100, lastTagTime: NOW - 600_000, layers: ['y'] }),
      old('z', 1),
    ];
    const p = planGc(
      facts(images, { inUse: new Set([images[0]!.id]) }),
      limits({ keep: ['kept'], targetBytes: 0, maxBytes: 1 }),
    );
    expect(p.remove.map((r) => r.image.repoTags[0])).toEqual(['z:latest']);
    expect(p.judged.map((j) => j.protectedBy)).toEqual([
      'in use by a container',
      'kept (keep[] = kept)',
      undefined,
      expect.stringMatching(/^younger than gc_min_age \(600s unused\)/),
    ]);
  });

  test('a base image goes after the images built on it', () => {
    const base = fakeImage('base', { size: 100, layers: ['l1'], lastTagTime: NOW - 9 * HOUR });
    const derived = fakeImage('derived', { size: 150, layers: ['l1', 'l2'], lastTagTime: NOW - 5 * HOUR });
    const p = planGc(facts([base, derived]), limits({ maxBytes: 100, targetBytes: 0 }));
    expect(p.remove.map((r) => [r.image.repoTags[0], r.freed])).toEqual([
      ['derived:latest', 50],
      ['base:latest', 100],
    ]);
  });

  test('percent of the disk: collect what brings the filesystem under the low mark', () => {
    const disk = { total: 1000, used: 900 };
    expect(
      goal(400, facts([], { disk }), limits({ maxBytes: undefined, highPercent: 85, lowPercent: 80 })),
    ).toEqual({
      over: 'gc_high_percent 85%',
      goal: 300,
    });
    expect(
      goal(
        400,
        facts([], { disk: { total: 1000, used: 800 } }),
        limits({ maxBytes: undefined, highPercent: 85 }),
      ),
    ).toBeUndefined();
  });

  test('no mark set: never over', () => {
    expect(goal(1e12, facts([]), limits({ maxBytes: undefined }))).toBeUndefined();
  });
});

describe('collectGarbage on the fake store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsfd-gc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = { ...imagesDefaults(), stateDir: dir, gcMaxBytes: 250, gcTargetBytes: 150, gcMinAge: 60 };
  const images = () => [
    fakeImage('a', { size: 100, layers: ['a'], lastTagTime: NOW - 9 * HOUR }),
    fakeImage('b', { size: 100, layers: ['b'], lastTagTime: NOW - 8 * HOUR, repoTags: ['b:1', 'b:2'] }),
    fakeImage('c', { size: 100, layers: ['c'], lastTagTime: NOW - 7 * HOUR, repoTags: [] }),
    fakeImage('d', { size: 100, layers: ['d'], lastTagTime: NOW - 6 * HOUR }),
  ];

  test('a dry run removes nothing and says what would go', async () => {
    const store = new FakeImageStore(images());
    const report = await collectGarbage(fakeRuntime({ imageStore: store }), config, {
      dryRun: true,
      euid: process.geteuid!(),
      log: memoryLogger(),
      now: NOW,
    });
    expect(report.removed.map((r) => r.image.repoTags)).toEqual([['a:latest'], ['b:1', 'b:2'], []]);
    expect(store.removed).toEqual([]);
  });

  test('removes every reference (a dangling image by id); an image a container uses is refused and reported', async () => {
    const list = images();
    const store = new FakeImageStore(list, {
      inUse: [],
      removeFails: { 'b:2': 'conflict: image is being used' },
    });
    recordUse(dir, 4201, 'docker.io/library/a:latest', NOW - 10 * HOUR);
    const report = await collectGarbage(fakeRuntime({ imageStore: store }), config, {
      dryRun: false,
      euid: process.geteuid!(),
      log: memoryLogger(),
      now: NOW,
    });
    expect(store.removed).toEqual(['a:latest', 'b:1', list[2]!.id]);
    expect(report.problems).toEqual([expect.stringMatching(/b:2: conflict/)]);
    expect(store.images.map((i) => i.repoTags)).toEqual([['b:2'], ['d:latest']]);
    expect(() => utimesSync(join(dir, recordName('docker.io/library/a:latest', 4201)), 1, 1)).toThrow(
      /ENOENT/,
    );
  });
});

describe('gc_after_job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsfd-gc-after-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const images = () => [fakeImage('old', { size: 500, layers: ['o'], lastTagTime: 1 })];

  test('off: the store is not even listed; on and over the mark: collected, logged, never thrown', async () => {
    const off = new FakeImageStore(images());
    await collectAfterJob(
      fakeRuntime({ imageStore: off }),
      { ...imagesDefaults(), stateDir: dir, gcMaxBytes: 1 },
      memoryLogger(),
    );
    expect(off.images).toHaveLength(1);
    const on = new FakeImageStore(images());
    const log = memoryLogger();
    await collectAfterJob(
      fakeRuntime({ imageStore: on }),
      { ...imagesDefaults(), stateDir: dir, gcMaxBytes: 1, gcMinAge: 0, gcAfterJob: true },
      log,
    );
    expect(on.images).toHaveLength(0);
    expect(log.lines).toEqual([
      expect.stringMatching(/^INFO: image GC: removed 6f6c64000000 \(500 bytes\)$/),
    ]);
  });

  test('a daemon that fails: a warning, the job goes on', async () => {
    const log = memoryLogger();
    await collectAfterJob(
      fakeRuntime({
        daemonDown: true,
        imageStore: Object.assign(new FakeImageStore(), {
          list: () => Promise.reject(new Error('daemon down')),
        }),
      }),
      { ...imagesDefaults(), stateDir: dir, gcMaxBytes: 1, gcAfterJob: true },
      log,
    );
    expect(log.lines).toEqual(['WARNING: image GC: daemon down']);
  });
});

describe('the job start', () => {
  test('records its image in a trusted host dir, with its pull locks; none without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lsfd-jobstate-'));
    try {
      const config = defaultConfig();
      config.images.stateDir = dir;
      chmodSync(dir, 0o1777);
      const trusted = process.getuid!() === 0;
      const state = jobImageState(config, 4201, process.geteuid!(), memoryLogger());
      expect(state.locks !== undefined).toBe(trusted);
      state.recordUse('busybox');
      expect(existsSync(join(dir, recordName('docker.io/library/busybox:latest', 4201)))).toBe(trusted);
      config.images.stateDir = join(dir, 'missing', 'deeper');
      const none = jobImageState(config, 4201, 4201, memoryLogger());
      expect(none.locks).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
