/**
 * Attack class (b), mount points the daemon creates as root: a mount target (or the workdir)
 * that does not exist where the runtime resolves it is created by the daemon, as root, in
 * whatever host directory is mounted there. The attacker (an ordinary user, through the sudo
 * rule) aims that creation at a directory they may read but not write (SHARED, root-owned 0755
 * under an allowed volume root) or at their own directory. Every such job must be refused with
 * one line, start nothing, and leave no root-owned entry in SHARED or in the user's directory.
 *
 * Result today (docker 20.10.24 daemon, sudo rule, as lsfd-test):
 *   - target inside another volume, missing there           stopped (213, one line)
 *   - target reached through a symlink into another volume   HOLE: the job runs; SHARED/planted
 *       appears, a root-owned directory in a directory the user cannot write
 *   - workdir reached through a symlink into another volume  HOLE: SHARED/wd appears (root)
 *   - a volume over /etc (SHARED:/etc)                       HOLE: root-owned hostname, hosts,
 *       resolv.conf, passwd, group (and the mount points under them) appear in SHARED
 *   - a volume of the user's own dir over /etc               HOLE: the same root-owned files in it
 * Where: lib/policy/policy.ts missingInsideMount() maps a target to a host path by string prefix
 * and stat()s it on the host, following the host's symlinks, not the container's mount tree;
 * it is applied to user volumes and LSF_DOCKER_WORKDIR only, never to the wrapper's own mounts
 * (/etc/passwd, /etc/group, the job script) nor to docker's (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf); and PROTECTED_TARGETS does not hold /etc.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ATTACK_ALLOWED,
  attackConfig,
  attackPrivateDirs,
  cleanupAttacks,
  giveTo,
  jobContainer,
  lines,
  prepareAttacks,
  rootOwnedBelow,
  rootScratch,
  sudoRun,
} from '../helpers/attack.js';
import type { RunResult } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

const attacker = userInfo(TEST_USER);
let config: string;
/** Root-owned 0755 under an allowed root: the user may mount and read it, not write it. */
let shared: string;
let work: string;

beforeAll(async () => {
  await prepareAttacks();
  config = await attackConfig(`[volumes]\nallow[] = ${ATTACK_ALLOWED}\n`);
  shared = await rootScratch('shared', 0o755, ATTACK_ALLOWED);
});
afterAll(async () => {
  await cleanupAttacks();
  await cleanupWorkspace();
});
afterEach(() => {
  // What a successful attack left in SHARED, so that the next test starts from nothing.
  for (const name of readdirSync(shared)) rmSync(path.join(shared, name), { recursive: true, force: true });
});

/** A fresh working dir of the attacker's (the job's cwd) with the given subdirectories. */
async function workWith(...dirs: string[]): Promise<string> {
  work = await userDir(TEST_USER, 'mounts');
  for (const d of dirs) {
    mkdirSync(path.join(work, d), { recursive: true });
    const parts = d.split('/');
    for (let i = 1; i <= parts.length; i++) giveTo(TEST_USER, path.join(work, ...parts.slice(0, i)));
  }
  return work;
}

function job(env: Record<string, string>): Promise<RunResult> {
  return sudoRun(TEST_USER, 'docker_run', ['--config', config, 'echo JOB-RAN'], {
    cwd: work,
    env,
    timeout: 30_000,
  });
}

/** Refused with one stderr line naming VARIABLE, nothing ran, nothing root-owned was made. */
async function expectRefusedLeavingNothing(r: RunResult, variable: string, own: string) {
  const made = { shared: rootOwnedBelow(shared), own: rootOwnedBelow(own) };
  expect({ made, ran: r.stdout.includes('JOB-RAN') }).toEqual({ made: { shared: [], own: [] }, ran: false });
  expect([212, 213]).toContain(r.exitCode);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toContain(variable);
  expect(attackPrivateDirs(attacker.uid)).toEqual([]);
  expect(await jobContainer(attacker.uid, '')).toBeUndefined();
}

describe('no job makes the daemon create a mount point, as root, where the user may not write', () => {
  test('a target inside another volume that does not exist there', async () => {
    await workWith('src');
    const r = await job({ LSF_DOCKER_VOLUMES: `${shared}:/data ${work}/src:/data/planted` });
    await expectRefusedLeavingNothing(r, 'LSF_DOCKER_VOLUMES', work);
  });

  test('a target reached through a symlink into another volume', async () => {
    // On the host, link/planted is decoy/planted (exists); in the container decoy is SHARED.
    await workWith('src', 'decoy/planted');
    symlinkSync(`${work}/decoy`, `${work}/link`);
    giveTo(TEST_USER, `${work}/link`);
    const r = await job({
      LSF_DOCKER_VOLUMES: `${shared}:${work}/decoy ${work}/src:${work}/link/planted`,
    });
    await expectRefusedLeavingNothing(r, 'LSF_DOCKER_VOLUMES', work);
  });

  test('a workdir reached through a symlink into another volume', async () => {
    await workWith('decoy/wd');
    symlinkSync(`${work}/decoy`, `${work}/link`);
    giveTo(TEST_USER, `${work}/link`);
    const r = await job({
      LSF_DOCKER_VOLUMES: `${shared}:${work}/decoy`,
      LSF_DOCKER_WORKDIR: `${work}/link/wd`,
    });
    await expectRefusedLeavingNothing(r, 'LSF_DOCKER_WORKDIR', work);
  });

  test('a volume over /etc of a directory the user may not write', async () => {
    await workWith();
    const r = await job({ LSF_DOCKER_VOLUMES: `${shared}:/etc` });
    await expectRefusedLeavingNothing(r, 'LSF_DOCKER_VOLUMES', work);
  });

  test("a volume over /etc of the user's own directory", async () => {
    await workWith('myetc');
    const r = await job({ LSF_DOCKER_VOLUMES: `${work}/myetc:/etc` });
    await expectRefusedLeavingNothing(r, 'LSF_DOCKER_VOLUMES', work);
    expect(readdirSync(`${work}/myetc`)).toEqual([]);
  });
});
