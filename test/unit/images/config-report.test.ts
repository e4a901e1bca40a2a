/** The [images] keys, and the GC's report lines. */
import { describe, expect, test } from '@jest/globals';
import { parse as parseIni } from 'ini';
import { hostPlatform } from '../../../lib/config/keys/images.js';
import { configFromIni } from '../../../lib/config/load.js';
import { gcLines, listLines } from '../../../lib/images/report.js';
import type { GcReport } from '../../../lib/job/image/gc.js';
import { planGc } from '../../../lib/job/image/gc-plan.js';
import { fakeImage } from '../../../lib/runtime/fake-images.js';

const load = (text: string) => configFromIni(parseIni(text), 'test.conf').images;

describe('[images] keys', () => {
  test('defaults: no pin, the check on, GC off, an hour of minimum age', () => {
    expect(load('')).toMatchObject({
      pinDigest: false,
      checkAtSubmit: true,
      checkTimeout: 5,
      checkRetryAfter: 60,
      platform: hostPlatform(),
      stateDir: '/var/lib/lsf-docker/images',
      gcMaxBytes: undefined,
      gcMinAge: 3600,
      keep: [],
      gcAfterJob: false,
    });
    expect(hostPlatform('x64')).toBe('linux/amd64');
    expect(hostPlatform('arm64')).toBe('linux/arm64');
  });

  test('every key parsed', () => {
    const c = load(
      '[images]\npin_digest = true\ngc_max_bytes = 10g\ngc_target_bytes = 8g\ngc_high_percent = 85%\ngc_low_percent = 80\ngc_min_age = 0\nkeep[] = lsf-docker-test/\nkeep[] = sha256:abcd\ngc_after_job = yes\nplatform = linux/arm64/v8\ninsecure_registries[] = lab:5000\n',
    );
    expect(c).toMatchObject({
      pinDigest: true,
      gcMaxBytes: 10 * 1024 ** 3,
      gcTargetBytes: 8 * 1024 ** 3,
      gcHighPercent: 85,
      gcLowPercent: 80,
      gcMinAge: 0,
      keep: ['lsf-docker-test/', 'sha256:abcd'],
      gcAfterJob: true,
      platform: 'linux/arm64/v8',
      insecureRegistries: ['lab:5000'],
    });
  });

  test.each([
    ['gc_min_age = -1', /gc_min_age: must be a whole number of seconds/],
    ['gc_high_percent = 120', /gc_high_percent: must be a percentage/],
    ['platform = amd64', /platform: must be OS\/ARCH/],
    ['keep[] = -rf', /keep: "-rf" is not an image reference/],
    ['gc_max_bytes = lots', /gc_max_bytes: must be a size/],
    ['state_dir = relative', /state_dir/],
  ])('%s is refused', (line, message) => {
    expect(() => load(`[images]\n${line}\n`)).toThrow(message);
  });
});

describe('report lines', () => {
  const a = fakeImage('a', { size: 3 * 1024 * 1024, layers: ['a'], lastTagTime: 1 });
  const b = fakeImage('b', { size: 1024 * 1024, layers: ['b'], lastTagTime: 2 });
  const plan = planGc(
    { images: [a, b], inUse: new Set([b.id]), lastUse: new Map(), now: 10_000_000 },
    { maxBytes: 1024, targetBytes: 0, minAge: 0, keep: [] },
  );

  test('a dry run: what would go, the bytes, and that the goal is not reached', () => {
    const report: GcReport = { plan, removed: [{ image: a, freed: a.size }], problems: [] };
    const lines = gcLines(report, true);
    expect(lines[0]).toMatch(/^would remove 610000000000 a:latest \(frees 3\.0 MiB, pulled /);
    expect(lines[1]).toMatch(
      /^images take 4\.0 MiB, over gc_max_bytes 1024: would free 3\.0 MiB in 1 image\(s\), 1\.0 MiB left \(goal 0 B: not reached/,
    );
  });

  test('ls: least recently used first, with what protects each', () => {
    const lines = listLines(plan);
    expect(lines[0]).toMatch(/^IMAGE ID\s+SIZE\s+LAST USE\s+GC\s+REFERENCES$/);
    expect(lines[1]).toMatch(/^610000000000\s+3\.0 MiB .* collectable\s+a:latest$/);
    expect(lines[2]).toMatch(/in use by a container\s+b:latest$/);
    expect(lines.at(-1)).toBe('2 image(s), 4.0 MiB');
  });
});
