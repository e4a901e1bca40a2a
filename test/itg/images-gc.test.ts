/**
 * The image GC and the image doctor on the real daemon (issue 14). Throw-away images of this run
 * (lsfd-itg-p14/gc-*-RAND: the busybox test image plus a layer of random bytes, committed as root)
 * get their last uses from real jobs of the test user; `lsf-docker images gc` (as root, as from
 * cron) then removes the least recently used unused ones until the store is under the target,
 * and keeps the image of a stopped container and what keep[] names. Every image that was on the
 * host before (the provisioned test images, other suites' images) is listed in keep[] by id, so
 * this file can never remove anything but its own.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { storeBytes } from '../../lib/job/image/store-bytes.js';
import { docker, dockerOk, IMAGES, REGISTRY } from './helpers/docker.js';
import { dockerRun, itgConfig } from './helpers/job.js';
import { throughSudo } from './helpers/mode.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { describeResult, runAs } from './helpers/run-as.js';
import { DOCKER_GROUP_USER, TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, writeConfig } from './helpers/workspace.js';

const RUN = randomBytes(4).toString('hex');
const tag = (name: string) => `lsfd-itg-p14/gc-${name}-${RUN}:1`;
const MIB = 1024 * 1024;
const user = userInfo(TEST_USER);
let stateDir: string;
const mine: string[] = [];
const stopped = `lsfd-itg-p14-stopped-${RUN}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The busybox test image plus MIB MiB of random bytes in its own layer, tagged TAG. */
async function uniqueImage(ref: string, mib: number): Promise<void> {
  const blob = path.join(stateDir, `blob-${randomBytes(4).toString('hex')}`);
  await writeFile(blob, randomBytes(mib * MIB));
  const name = `lsfd-itg-p14-src-${randomBytes(4).toString('hex')}`;
  try {
    await dockerOk(['create', '--name', name, IMAGES.busybox, 'true']);
    await dockerOk(['cp', blob, `${name}:/blob`]);
    await dockerOk(['commit', name, ref]);
    mine.push(ref);
  } finally {
    await docker(['rm', '-f', name]);
    await rm(blob, { force: true });
  }
}

const idOf = async (ref: string) => (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
const present = async (ref: string) => (await docker(['image', 'inspect', ref])).exitCode === 0;

/** Every image on the host, as the GC sees them (ids, sizes, layers). */
async function hostImages() {
  const ids = [
    ...new Set((await dockerOk(['image', 'ls', '--quiet', '--no-trunc'])).split('\n').filter(Boolean)),
  ];
  // An image removed meanwhile (by another suite) is missing from the JSON; the others are read.
  const inspected = JSON.parse((await docker(['image', 'inspect', ...ids])).stdout || '[]') as Array<{
    Id: string;
    Size: number;
    RootFS: { Layers?: string[] };
  }>;
  return inspected.map((i) => ({ id: i.Id, size: i.Size, layers: i.RootFS.Layers ?? [] }));
}

const lsfDocker = (config: string, args: string[]) =>
  runAs('root', [program('lsf-docker'), '--config', config, ...args], { cwd: '/', timeout: 120_000 });

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(STATE_DIR, 'images-gc-'));
  await chmod(stateDir, 0o755);
  await mkdir(path.join(stateDir, 'state'));
  await chown(path.join(stateDir, 'state'), 0, 0);
  await chmod(path.join(stateDir, 'state'), 0o1777);
}, 60_000);

afterAll(async () => {
  await docker(['rm', '-f', stopped]);
  for (const ref of mine) await docker(['rmi', ref]);
  await cleanupWorkspace();
  await rm(stateDir, { recursive: true, force: true });
}, 60_000);

describe('lsf-docker images gc', () => {
  test('least recently used unused images go until under the target; a stopped container and keep[] keep theirs', async () => {
    // Oldest first: the image of a stopped container, a kept one, then d, c, b, a.
    for (const name of ['stopped', 'kept', 'd', 'c', 'b', 'a']) await uniqueImage(tag(name), 4);
    await dockerOk(['create', '--name', stopped, tag('stopped'), 'true']);
    // A throw-away tag of a provisioned image: that image is kept (keep[] lsf-docker-test/), so is its tag.
    await dockerOk(['tag', IMAGES.busybox, tag('alias')]);
    mine.push(tag('alias'));

    // Real job starts record the last uses, in the order d, c, b, a (a the most recent).
    const jobs = await itgConfig(`[images]\nstate_dir = ${stateDir}/state\n`);
    for (const name of ['d', 'c', 'b', 'a']) {
      const r = await dockerRun(TEST_USER, ['true'], { image: tag(name), config: jobs });
      expect(r.exitCode).toBe(0);
      await sleep(50);
    }
    const records = (await readdir(`${stateDir}/state`)).filter((n) => n.startsWith('use.'));
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r).toMatch(new RegExp(`^use\\.[0-9a-f]{32}\\.${user.uid}$`));
      // Written by docker_run: as the user, or as root through the sudo rule (a record counts for its uid either way).
      expect((await stat(`${stateDir}/state/${r}`)).uid).toBe(throughSudo(TEST_USER) ? 0 : user.uid);
    }
    await sleep(3_500); // older than gc_min_age = 3

    // Everything that was here before is kept by id; the store must lose 2.5 of our images.
    const ours = new Set(await Promise.all(['stopped', 'kept', 'a', 'b', 'c', 'd'].map((n) => idOf(tag(n)))));
    const images = await hostImages();
    const others = images.filter((i) => !ours.has(i.id)).map((i) => i.id);
    const total = storeBytes(images);
    const keep = ['lsf-docker-test/', '127.0.0.1:5000/', `lsfd-itg-p14/gc-kept-${RUN}`, ...others];
    const config = await writeConfig(
      `[images]\nstate_dir = ${stateDir}/state\ngc_max_bytes = ${total - 1}\ngc_target_bytes = ${total - Math.round(2.5 * 4 * MIB)}\ngc_min_age = 3\n${keep.map((k) => `keep[] = ${k}`).join('\n')}\n`,
    );

    const dry = await lsfDocker(config, ['images', 'gc', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    const wouldGo = dry.stdout.split('\n').filter((l) => l.startsWith('would remove '));
    expect(wouldGo.map((l) => l.split(' ')[3])).toEqual([tag('d'), tag('c'), tag('b')]);
    expect(dry.stdout).toMatch(/would free 12\.0 MiB in 3 image\(s\)/);
    for (const name of ['d', 'c', 'b']) expect(await present(tag(name))).toBe(true);

    const list = await lsfDocker(config, ['images', 'ls']);
    expect(list.stdout).toMatch(new RegExp(`in use by a container\\s+${tag('stopped')}`));
    expect(list.stdout).toMatch(
      new RegExp(`kept \\(keep\\[\\] = lsfd-itg-p14/gc-kept-${RUN}\\)\\s+${tag('kept')}`),
    );

    const gc = await lsfDocker(config, ['images', 'gc']);
    expect(gc.exitCode).toBe(0);
    expect(gc.stderr).toBe('');
    expect(
      gc.stdout
        .split('\n')
        .filter((l) => l.startsWith('removed '))
        .map((l) => l.split(' ')[2]),
    ).toEqual([tag('d'), tag('c'), tag('b')]);
    expect(gc.stdout).toMatch(/freed 12\.0 MiB in 3 image\(s\)/);
    for (const name of ['d', 'c', 'b']) expect(await present(tag(name))).toBe(false);
    for (const name of ['a', 'stopped', 'kept', 'alias']) expect(await present(tag(name))).toBe(true);
    for (const image of Object.values(IMAGES)) expect(await present(image)).toBe(true);
    expect((await readdir(`${stateDir}/state`)).filter((n) => n.startsWith('use.'))).toHaveLength(1);

    // Under the marks now: a second run removes nothing.
    const again = await lsfDocker(config, ['images', 'gc']);
    expect(again.stdout).not.toMatch(/^removed /m);
  }, 300_000);

  test('no mark set: nothing is collected', async () => {
    const config = await writeConfig(`[images]\nstate_dir = ${stateDir}/state\n`);
    const r = await lsfDocker(config, ['images', 'gc', '--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^images take [\d.]+ [KMGT]?i?B: not over \[images\] gc_max_bytes or gc_high_percent \(if set\): nothing to collect$/,
    );
  });
});

describe('lsf-docker doctor --image', () => {
  const doctor = (image: string) =>
    // doctor talks to the daemon as its caller: the docker-group user (the rule does not list it).
    runAs(DOCKER_GROUP_USER, [program('lsf-docker'), 'doctor', '--image', image], { timeout: 120_000 });

  test('an image without /bin/sh fails; busybox is fit, with a note on its root USER', async () => {
    const nosh = await doctor(IMAGES.nosh);
    expect(nosh.exitCode).toBe(1);
    expect(nosh.stdout).toMatch(/^FAIL \/bin\/sh +does not run .*only LSF_DOCKER_RUN_RAW_ARGS=1/m);
    const busybox = await doctor(IMAGES.busybox);
    expect(busybox.exitCode).toBe(0);
    expect(busybox.stdout).toMatch(/^ok {3}platform +linux\/amd64$/m);
    expect(busybox.stdout).toMatch(/^ok {3}\/bin\/sh +runs/m);
    expect(busybox.stdout).toMatch(/^WARN user +unset \(root\): the image expects root/m);
    expect(busybox.stdout).toMatch(/^info size +1\.9 MiB, 1 layer\(s\)$/m);
    expect(busybox.stdout).toMatch(/fit for batch jobs$/);
  });

  test("a user who may not reach the engine (the secure deployment) gets the registry's answer, said as such", async () => {
    const conf = await writeConfig(`[images]\ninsecure_registries[] = ${REGISTRY.address}\n`);
    const r = await runAs(
      TEST_USER,
      [program('lsf-docker'), '--config', conf, 'doctor', '--image', REGISTRY.busybox],
      { timeout: 120_000 },
    );
    expect(r.stdout).toMatch(
      /^info runtime +docker: you may not reach the engine on this host \(jobs start through the sudo rule\); the registry was asked instead, \/bin\/sh not tried$/m,
    );
    // Asked without credentials (the user has none for it): the registry's own answer, not "FAIL runtime".
    expect(r.stdout).toMatch(/^FAIL registry +127\.0\.0\.1:5000 wants a login/m);
    expect(r.stdout).not.toMatch(/^FAIL runtime/m);
    expect(r.exitCode).toBe(1);
  });

  test('an image that is not on this host nor in a registry that answers', async () => {
    const r = await doctor('127.0.0.1:5999/nothing/here:1');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^FAIL registry +not on this host, and 127\.0\.0\.1:5999 did not answer/m);
    expect(describeResult(r)).not.toMatch(/internal error/);
  });
});
