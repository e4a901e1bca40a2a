/**
 * Variants of classes (a), (b) and (c) that the first attack set did not try, run the same way
 * (through the sudo rule, as an unprivileged user), and what the staging of held directories
 * must never do:
 *   - a nested volume target swapped for a symlink into another volume when the private dir
 *     appears (the runtime would create the mount point there, as root)     stopped: nested mounts
 *     are made by descriptor inside the outer mount's staging tree (lib/run/staging.ts)
 *   - docker_build's context swapped for a symlink to a hidden directory     stopped: the context's
 *     real path is checked, held and staged (lib/build/root-input.ts)
 *   - an image whose own /home is a symlink into a volume the user cannot write  stopped: the
 *     mount tree looked up again through the image's layers (lib/policy/image-paths.ts)
 *   - staging mounts: taken down as soon as the container runs (lib/run/staging.ts); what a
 *     killed wrapper leaves is detached by root's sweep, which never deletes a file of the user's
 *     through it (lib/host/private-dir.ts removePrivateDir)
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ATTACK_ALLOWED,
  attackConfig,
  attackerScript,
  attackPrivateDirs,
  cleanupAttacks,
  giveTo,
  hiddenDir,
  jobContainer,
  prepareAttacks,
  removeBuiltImages,
  rootOwnedBelow,
  rootScratch,
  roots,
  spawnSudo,
  sudoRun,
  token,
  waitFor,
} from '../helpers/attack.js';
import { docker, IMAGES } from '../helpers/docker.js';
import { SYMLINK_ATTACK_STOPPED, symlinkAttackOutcome } from '../helpers/job.js';
import { program } from '../helpers/paths.js';
import { runAs, spawnAs } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

const attacker = userInfo(TEST_USER);
const SECRET = token('hidden');
const ATTEMPTS = 8;

/** Swaps VICTIM for a symlink to TARGET the moment an entry starting with PREFIX appears in WATCH. */
const SWAP_ON_SIGHT = `
import fs from 'node:fs';
const [watchDir, prefix, victim, target] = process.argv.slice(2);
let swapped = false;
fs.watch(watchDir, (_e, name) => {
  if (swapped || !name || !name.startsWith(prefix)) return;
  try { fs.renameSync(victim, victim + '.real'); fs.symlinkSync(target, victim); swapped = true; } catch {}
});
process.stdin.on('data', () => {
  if (swapped) { try { fs.unlinkSync(victim); fs.renameSync(victim + '.real', victim); } catch {} }
  swapped = false;
  process.stdout.write('rested\\n');
});
process.stdout.write('ready\\n');
`;

let swapper: string;
let hidden: Awaited<ReturnType<typeof hiddenDir>>;

beforeAll(async () => {
  await prepareAttacks();
  hidden = await hiddenDir(SECRET);
  swapper = await attackerScript('swap-on-sight.mjs', SWAP_ON_SIGHT);
});
afterAll(async () => {
  await cleanupAttacks();
  await cleanupWorkspace();
});

/** Starts the swapper as the attacker; rest() puts the victim back and waits for it. */
async function watchAndSwap(watch: string, victim: string, target: string, cwd: string) {
  const s = spawnAs(TEST_USER, ['node', swapper, watch, `lsf-docker.${attacker.uid}.`, victim, target], {
    cwd,
    timeout: 0,
  });
  const lines = createInterface({ input: s.child.stdout! });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  lines.on('line', (l) => {
    queue.push(l);
    wake?.();
  });
  const next = async () => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift();
  };
  expect(await next()).toBe('ready');
  return {
    rest: async () => {
      s.child.stdin!.write('x\n');
      expect(await next()).toBe('rested');
    },
    stop: async () => {
      s.kill('SIGKILL');
      await s.result;
    },
  };
}

describe('a swap between the check and the mount never makes root create or read anything', () => {
  test('a nested volume target swapped for a symlink into a volume the user cannot write', async () => {
    const tmpRoot = await rootScratch('t', 0o1777, roots.tmp);
    const config = await attackConfig(
      `[paths]\ntmp_root = ${tmpRoot}\njob_tmp_root = ${roots.jobTmp}\n[volumes]\nallow[] = ${ATTACK_ALLOWED}\n`,
    );
    const shared = await rootScratch('shared', 0o755, ATTACK_ALLOWED);
    const work = await userDir(TEST_USER, 'nested');
    const src = await userDir(TEST_USER, 'nested-src');
    mkdirSync(`${work}/sub`);
    giveTo(TEST_USER, `${work}/sub`);
    const s = await watchAndSwap(tmpRoot, `${work}/sub`, '/shared/planted', work);
    const outcomes: Array<number | undefined> = [];
    try {
      for (let i = 0; i < ATTEMPTS; i++) {
        const r = await sudoRun(TEST_USER, 'docker_run', ['--config', config, 'ls /shared'], {
          cwd: work,
          env: { LSF_DOCKER_VOLUMES: `${shared}:/shared ${src}:${work}/sub` },
          timeout: 30_000,
        });
        outcomes.push(r.exitCode);
        await s.rest();
        expect(rootOwnedBelow(shared)).toEqual([]);
      }
    } finally {
      await s.stop();
    }
    expect(lstatSync(`${work}/sub`).isDirectory()).toBe(true);
    // Each attempt was refused because the path changed (213), or ran without the swap winning.
    expect(outcomes.every((c) => c === 213 || c === 0)).toBe(true);
    // The swap did happen (it is what got the job refused): the attack was performed.
    expect(outcomes).toContain(213);
    expect(attackPrivateDirs(attacker.uid)).toEqual([]);
  });

  test("docker_build's context swapped for a symlink to a hidden directory", async () => {
    const config = await attackConfig('[job]\nterminate_interval = 1\n');
    const work = await userDir(TEST_USER, 'buildctx');
    const ctx = path.join(work, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'marker'), 'own context\n');
    writeFileSync(
      path.join(work, 'Dockerfile'),
      `FROM ${IMAGES.busybox}\nCOPY . /ctx\nRUN cat /ctx/marker\n`,
    );
    giveTo(TEST_USER, ctx, path.join(ctx, 'marker'), path.join(work, 'Dockerfile'));
    const s = await watchAndSwap(roots.tmp, ctx, hidden.inner, work);
    const outputs: string[] = [];
    try {
      for (let i = 0; i < ATTEMPTS / 2; i++) {
        const r = await sudoRun(
          TEST_USER,
          'docker_build',
          ['--config', config, '-f', path.join(work, 'Dockerfile'), 'ctx'],
          {
            cwd: work,
            timeout: 60_000,
          },
        );
        await removeBuiltImages(r.stdout);
        outputs.push(`${r.stdout}${r.stderr}`);
        await s.rest();
      }
    } finally {
      await s.stop();
    }
    expect(outputs.filter((o) => o.includes(SECRET))).toEqual([]);
    // docker_build's private dir appears before its checks: the swap is caught by the check as the
    // user or, had it come later, by the walk that holds the context (no symlink followed).
    expect(outputs.every((o) => /^docker_build: CONTEXT: /m.test(o))).toBe(true);
  });
});

describe("the image's own symlinks never aim the runtime's mkdir at a host directory", () => {
  test('an image whose /home is a symlink into a volume the user cannot write', async () => {
    // What the attacker builds with docker_build (made here by root: the same image, faster).
    const ctx = await rootScratch('symimg', 0o755);
    writeFileSync(
      path.join(ctx, 'Dockerfile'),
      `FROM ${IMAGES.busybox}\nRUN rm -rf /home && ln -s /data/shared /home\n`,
    );
    const tag = `lsfd-itg-attack/symhome:${process.pid}`;
    const built = await docker(['build', '-q', '-t', tag, ctx], { env: { DOCKER_BUILDKIT: '0' } });
    expect(built.exitCode).toBe(0);
    try {
      const config = await attackConfig(`[volumes]\nallow[] = ${ATTACK_ALLOWED}\n`);
      const shared = await rootScratch('shared', 0o755, ATTACK_ALLOWED);
      const work = await userDir(TEST_USER, 'symimg');
      const r = await sudoRun(TEST_USER, 'docker_run', ['--config', config, 'echo JOB-RAN'], {
        cwd: work,
        image: tag,
        env: { LSF_DOCKER_VOLUMES: `${shared}:/data/shared` },
        timeout: 60_000,
      });
      expect(symlinkAttackOutcome(r, rootOwnedBelow(shared))).toEqual(SYMLINK_ATTACK_STOPPED);
      expect(attackPrivateDirs(attacker.uid)).toEqual([]);
    } finally {
      await docker(['rmi', '-f', tag]);
    }
  });
});

describe('staging mounts never outlive their use', () => {
  test("once the container runs, nothing of the user's stays mounted in the private dir", async () => {
    const config = await attackConfig('[job]\nterminate_interval = 1\n');
    const work = await userDir(TEST_USER, 'staged');
    const job = String(886000 + (process.pid % 1000));
    const s = spawnSudo(TEST_USER, 'docker_run', ['--config', config, 'sleep 60'], {
      cwd: work,
      env: { LSB_JOBID: job },
    });
    try {
      await waitFor('the container', () => jobContainer(attacker.uid, job));
      await waitFor('the staging taken down', async () =>
        readFileSync('/proc/self/mountinfo', 'utf8').includes(`${roots.tmp}/lsf-docker.${attacker.uid}.`)
          ? undefined
          : true,
      );
    } finally {
      s.kill('SIGTERM');
      await s.result;
    }
  });

  test("root's sweep detaches what a killed wrapper left mounted, and leaves every file of the user's in place", async () => {
    const config = await attackConfig('[job]\nterminate_interval = 1\n');
    const work = await userDir(TEST_USER, 'killed');
    writeFileSync(path.join(work, 'precious'), 'keep me\n');
    giveTo(TEST_USER, path.join(work, 'precious'));
    // What a wrapper SIGKILLed between staging and the container's start leaves: its root-owned
    // private dir with the user's directory mounted in it, and an owner record of a dead pid.
    const dir = mkdtempSync(`${roots.tmp}/lsf-docker.${attacker.uid}.`);
    chmodSync(dir, 0o700);
    writeFileSync(
      `${dir}/owner.json`,
      JSON.stringify({
        pid: 999_999_999,
        host: hostname(),
        uid: attacker.uid,
        container: '',
        job: '',
        started: '',
      }),
    );
    mkdirSync(`${dir}/mnt/0`, { recursive: true });
    execFileSync('mount', ['--bind', work, `${dir}/mnt/0`]);
    utimesSync(dir, new Date(0), new Date(0));
    const sweep = await runAs(root(), [program('lsf-docker'), '--config', config, 'sweep'], {
      cwd: '/',
      timeout: 60_000,
    });
    expect(sweep.exitCode).toBe(0);
    expect(readFileSync(path.join(work, 'precious'), 'utf8')).toBe('keep me\n');
    expect(existsSync(dir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
  });
});

const root = () => 'root';
