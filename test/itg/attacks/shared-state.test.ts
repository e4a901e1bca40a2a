/**
 * Attack class (f), the local LSF's shared state (`lsf-docker bsub` and friends, run as each
 * user): the host dir (job-id markers ids/, slot locks locks/, the drain flag `closed`), each
 * user's state dir <state_dir>/user.<uid> and the job tmpdirs under [paths] job_tmp_root live in
 * directories every user may write (root-owned 1777, as provisioning makes them). The attacker
 * (lsfd-test) plants files there; the victim's (lsfd-test2) jobs must still run, and the admin's
 * `badmin hclose` (as root) must still close the host and write nowhere but its own flag.
 *
 * Result today (as the users directly: the local LSF is not behind the sudo rule):
 *   - root's badmin hclose at all                    FAILS before any attack: exit 214, "jobs
 *       never run as root" (openLocal in lib/local/commands.ts asks identityFromOs, which refuses
 *       uid 0), so both root tests fail on that first. Once root may run it:
 *   - a drain flag planted by the attacker           HOLE (by reading the code): hclose sees the
 *       flag exists and does nothing; the victim's next job runs on a "closed" host
 *   - a symlink planted as the drain flag            HOLE: hclose writes through it, creating the
 *       link's target (shown with the victim's own hclose, which creates a file the attacker
 *       named in the victim's home; fs.protected_symlinks is 0 on this host)
 *   - slot lock files pre-created 0600               HOLE: the victim's job never starts
 *   - the victim's next job tmpdirs pre-created      HOLE: the victim's job EXITs (127)
 *   - the victim's state dir pre-created             HOLE: every bsub of the victim fails (211)
 * Where: lib/local/commands.ts badmin (existsSync, then writeFileSync following links);
 * lib/local/lock.ts tryLock (opens a file anyone may have created, throws on EACCES);
 * lib/local/job-tmpdir.ts makeJobTmpdir (refuses what is in place; ids are predictable from
 * ids/ and next.<uid>); lib/local/state.ts ensurePrivateDir (refuses another's user.<uid>).
 */

import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  cleanupAttacks,
  giveTo,
  prepareAttacks,
  rootScratch,
  roots,
} from '../helpers/attack.js';
import { program } from '../helpers/paths.js';
import { type RunResult, runAs } from '../helpers/run-as.js';
import { TEST_USER, TEST_USER2, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

const victim = userInfo(TEST_USER2);
let victimWork: string;
/** Configs whose hosts must be opened again and whose jobs killed after each test. */
const opened: string[] = [];

beforeAll(async () => {
  await prepareAttacks();
  victimWork = await userDir(TEST_USER2, 'state-victim');
});
afterEach(async () => {
  for (const cfg of opened.splice(0)) {
    await runAs('root', [program('lsf-docker'), '--config', cfg, 'badmin', 'hopen'], { cwd: '/' });
    await lsf(TEST_USER2, cfg, ['bkill', '0']);
  }
});
afterAll(async () => {
  await cleanupAttacks();
  await cleanupWorkspace();
});

/** A fresh host as provisioning makes it (root 1777 host dir, ids/, locks/, job tmp root), 2 slots. */
async function freshHost() {
  const host = await rootScratch('host', 0o1777);
  for (const d of ['ids', 'locks']) {
    mkdirSync(path.join(host, d));
    chmodSync(path.join(host, d), 0o1777);
  }
  const jobTmp = await rootScratch('jobtmp', 0o1777);
  const config = await attackConfig(
    `[paths]\ntmp_root = ${roots.tmp}\njob_tmp_root = ${jobTmp}\n[local]\nstate_dir = ${host}\nslots = 2\n`,
  );
  opened.push(config);
  return { host, jobTmp, config };
}

function lsf(user: string, config: string, args: string[], timeout = 30_000): Promise<RunResult> {
  return runAs(user, [program('lsf-docker'), '--config', config, ...args], {
    cwd: user === 'root' ? '/' : victimWork,
    timeout,
  });
}

const jobIdOf = (r: RunResult): number | undefined => {
  const m = /Job <(\d+)> is submitted/.exec(`${r.stdout}\n${r.stderr}`);
  return m ? Number(m[1]) : undefined;
};

/** The victim submits `echo ran` with -K: it must run and end 0 within 20 s. */
async function victimJobRuns(config: string) {
  const mark = `ran-${Date.now()}`;
  const r = await lsf(TEST_USER2, config, ['bsub', '-K', `echo ok > ${mark}`], 10_000);
  expect({ exit: r.exitCode, timedOut: r.timedOut, ran: existsSync(path.join(victimWork, mark)) }).toEqual({
    exit: 0,
    timedOut: false,
    ran: true,
  });
}

/** The STAT column of the victim's `bjobs ID`. */
async function victimStat(config: string, id: number): Promise<string> {
  const r = await lsf(TEST_USER2, config, ['bjobs', String(id)]);
  return (
    r.stdout
      .split('\n')
      .find((l) => l.startsWith(`${id} `))
      ?.trim()
      .split(/\s+/)[2] ?? `none: ${r.stdout}`
  );
}

describe("the admin's badmin hclose", () => {
  test('closes the host although the attacker planted the flag first', async () => {
    const { host, config } = await freshHost();
    writeFileSync(path.join(host, 'closed'), 'planted\n', { mode: 0o644 });
    giveTo(TEST_USER, path.join(host, 'closed'));
    const close = await lsf('root', config, ['badmin', 'hclose']);
    expect(close.exitCode).toBe(0);
    const flag = lstatSync(path.join(host, 'closed'));
    expect({ file: flag.isFile(), uid: flag.uid }).toEqual({ file: true, uid: 0 });
    const sub = await lsf(TEST_USER2, config, ['bsub', `echo ok > closed-ran`]);
    const id = jobIdOf(sub);
    expect(id).toBeDefined();
    await sleep(1500);
    expect({
      stat: await victimStat(config, id!),
      ran: existsSync(path.join(victimWork, 'closed-ran')),
    }).toEqual({
      stat: 'PEND',
      ran: false,
    });
  });

  test('writes nowhere else when the flag is a symlink, and still closes the host', async () => {
    const { host, config } = await freshHost();
    const rootOnly = await rootScratch('rootonly', 0o700);
    const target = path.join(rootOnly, 'created-by-root');
    symlinkSync(target, path.join(host, 'closed'));
    giveTo(TEST_USER, path.join(host, 'closed'));
    const close = await lsf('root', config, ['badmin', 'hclose']);
    expect({ targetCreated: existsSync(target) }).toEqual({ targetCreated: false });
    expect(close.exitCode).toBe(0);
    const flag = lstatSync(path.join(host, 'closed'));
    expect({ file: flag.isFile(), uid: flag.uid }).toEqual({ file: true, uid: 0 });
  });
});

describe("another user's badmin hclose", () => {
  test('writes nowhere else when the flag is a symlink', async () => {
    const { host, config } = await freshHost();
    // A name in the victim's home that does not exist yet: hclose would create it as the victim.
    const target = path.join(victimWork, 'created-through-the-link');
    symlinkSync(target, path.join(host, 'closed'));
    giveTo(TEST_USER, path.join(host, 'closed'));
    await lsf(TEST_USER2, config, ['badmin', 'hclose']);
    expect({ targetCreated: existsSync(target) }).toEqual({ targetCreated: false });
  });
});

describe("the attacker's files never stop the victim's job", () => {
  test('slot lock files pre-created with mode 0600', async () => {
    const { host, config } = await freshHost();
    for (const k of [0, 1]) {
      const lock = path.join(host, 'locks', `slot.${k}`);
      writeFileSync(lock, '', { mode: 0o600 });
      giveTo(TEST_USER, lock);
    }
    await victimJobRuns(config);
  });

  test("the victim's next job tmpdirs pre-created", async () => {
    const { host, jobTmp, config } = await freshHost();
    // Ids are handed out in order: the next ones follow the highest marker in ids/.
    const last = Math.max(0, ...readdirSync(path.join(host, 'ids')).map(Number));
    for (let id = last + 1; id <= last + 20; id++) {
      const dir = path.join(jobTmp, `${id}.tmpdir`);
      mkdirSync(dir, { mode: 0o700 });
      giveTo(TEST_USER, dir);
    }
    await victimJobRuns(config);
  });

  test("the victim's state dir pre-created", async () => {
    const { host, config } = await freshHost();
    const dir = path.join(host, `user.${victim.uid}`);
    mkdirSync(dir, { mode: 0o700 });
    giveTo(TEST_USER, dir);
    await victimJobRuns(config);
  });
});

describe('the image state of the secure deployment ([images] state_dir, root 0755)', () => {
  test('no user can open the GC lock and hold it: it is 0600 (an old 0644 one is made so), and the GC runs', async () => {
    const state = await rootScratch('images', 0o755);
    const config = await attackConfig(`[images]\nstate_dir = ${state}\n`);
    const gcLock = path.join(
      state,
      `pull.${createHash('sha256').update('lsf-docker-gc').digest('hex').slice(0, 32)}.lock`,
    );
    // An older install made it 0644: the attacker could open it read-only and flock it forever.
    writeFileSync(gcLock, '', { mode: 0o644 });
    chmodSync(gcLock, 0o644);
    const gc = () =>
      runAs('root', [program('lsf-docker'), '--config', config, 'images', 'gc', '--dry-run'], { cwd: '/' });
    expect((await gc()).exitCode).toBe(0);
    expect(lstatSync(gcLock).mode & 0o777).toBe(0o600);
    // The attack from outside: as the user, open the lock to hold it.
    const held = await runAs(TEST_USER, ['flock', '--nonblock', gcLock, 'sleep', '30'], { timeout: 5_000 });
    expect(held.exitCode).not.toBe(0);
    expect(held.stderr).toMatch(/Permission denied/);
    const again = await gc();
    expect(again.exitCode).toBe(0);
    expect(`${again.stdout}\n${again.stderr}`).not.toMatch(/another|busy|running/i);
  });
});
