/**
 * Attack class (a), time-of-check races: docker_run checks a volume's source, the cwd, the job
 * tmpdir and the job file by path, and the daemon resolves the path again, as root, when it
 * mounts. The attacker (an ordinary user, through the sudo rule) swaps what was checked for a
 * symlink to a directory they could never mount: one whose files anyone may read but which only
 * root can reach. The container must never show that directory's content.
 *
 * The swapper runs as the attacker. "hold" attempts swap the moment the job's private dir
 * appears in the tmp root (the checks are done by then, the mount is still to come), which wins
 * deterministically while paths are checked twice; "toggle" attempts swap back and forth in a
 * tight loop during the whole start. The ATTEMPTS attempts alternate the two kinds; the first win
 * ends a test. The four targets race concurrently, each with its own tmp root and swapper. When
 * nothing wins, the 4 x 30 jobs take about 65 s (2 cores, load 6); today each test ends at once.
 *
 * Result today (docker 20.10.24 daemon, sudo rule, as lsfd-test), every attack SUCCEEDS: the
 * container reads the hidden marker on the first "hold" attempt, for all four (measured apart,
 * "toggle" alone won 0 of 30 for each: the deterministic hold is the real threat):
 *   - volume source   LSF_DOCKER_VOLUMES=<dir>:/data          HOLE
 *   - submission dir  cwd / LS_SUBCWD                         HOLE
 *   - job tmpdir      <job_tmp_root>/<LSB_JOBID>.tmpdir        HOLE
 *   - job file        LSB_JOBFILENAME (.lsbatch/<file>)       HOLE
 * Where: lib/policy/policy.ts checkSource() (realpath + stat), the tmpdir lstat and jobFileOf()
 * decide on paths; lib/argv/run-args.ts mountArg() hands docker those paths; between them
 * lib/cli/docker_run.ts creates the private dir (the attacker's signal) and spawns docker.
 */
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  attackConfig,
  attackerScript,
  cleanupAttacks,
  giveTo,
  hiddenDir,
  prepareAttacks,
  rootScratch,
  roots,
  sudoRun,
  token,
} from '../helpers/attack.js';
import { spawnAs } from '../helpers/run-as.js';
import { TEST_USER, userInfo } from '../helpers/users.js';
import { cleanupWorkspace, userDir } from '../helpers/workspace.js';

/** Attempts per target (half "hold", half "toggle"); the four targets race concurrently. */
const ATTEMPTS = 30;
const attacker = userInfo(TEST_USER);
const SECRET = token('hidden');

/** The swapper, run as the attacker: swaps VICTIM for a symlink to TARGET on command (stdin). */
const SWAPPER = `
import fs from 'node:fs';
import readline from 'node:readline';
const [watchDir, prefix, victim, target] = process.argv.slice(2);
const real = victim + '.real';
let swapped = false;
let mode = 'rest';
const swap = () => {
  if (swapped) return;
  try { fs.renameSync(victim, real); } catch { return; }
  try { fs.symlinkSync(target, victim); } catch {}
  swapped = true;
};
const restore = () => {
  if (!swapped) return;
  try { fs.unlinkSync(victim); } catch {}
  try { fs.renameSync(real, victim); } catch {}
  swapped = false;
};
const loop = () => {
  if (mode !== 'toggle') return;
  if (swapped) restore(); else swap();
  setImmediate(loop);
};
fs.watch(watchDir, (_event, name) => {
  if (mode === 'hold' && name && name.startsWith(prefix)) swap();
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  mode = line.trim();
  if (mode === 'toggle') setImmediate(loop);
  if (mode === 'rest') restore();
  process.stdout.write(mode + '\\n');
});
process.on('SIGTERM', () => { mode = 'rest'; restore(); process.exit(0); });
process.stdout.write('ready\\n');
`;

let swapperFile: string;
let hidden: Awaited<ReturnType<typeof hiddenDir>>;
let work: string;

beforeAll(async () => {
  await prepareAttacks();
  hidden = await hiddenDir(SECRET);
  swapperFile = await attackerScript('swap.mjs', SWAPPER);
  work = await userDir(TEST_USER, 'race');
});

/**
 * Each target's own tmp root (inside this file's) and config: a swapper reacts only to the
 * private dirs of its own target's jobs.
 */
async function target(): Promise<{ config: string; tmpRoot: string }> {
  const tmpRoot = await rootScratch('t', 0o1777, roots.tmp);
  const config = await attackConfig(
    `[paths]\ntmp_root = ${tmpRoot}\njob_tmp_root = ${roots.jobTmp}\n[job]\nterminate_interval = 1\n`,
  );
  return { config, tmpRoot };
}
afterAll(async () => {
  await Promise.allSettled(Object.values(races));
  await cleanupAttacks();
  await cleanupWorkspace();
});

/** Starts the swapper as the attacker for VICTIM; returns a function sending it a command. */
async function startSwapper(tmpRoot: string, victim: string, target: string) {
  const s = spawnAs(
    TEST_USER,
    ['node', swapperFile, tmpRoot, `lsf-docker.${attacker.uid}.`, victim, target],
    { cwd: work, timeout: 0 },
  );
  const answers = createInterface({ input: s.child.stdout! });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  answers.on('line', (l) => {
    queue.push(l);
    wake?.();
  });
  const next = async () => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift()!;
  };
  expect(await next()).toBe('ready');
  return {
    send: async (cmd: 'hold' | 'toggle' | 'rest') => {
      s.child.stdin!.write(`${cmd}\n`);
      expect(await next()).toBe(cmd);
    },
    stop: async () => {
      s.kill('SIGTERM');
      await s.result;
    },
  };
}

interface RaceOutcome {
  attempts: number;
  wins: number;
  started: number;
  firstWin?: string;
}

/** Runs the job ATTEMPTS times while the swapper works on VICTIM; counts what reached the container. */
async function race(
  tmpRoot: string,
  victim: string,
  target: string,
  job: (attempt: number) => Promise<{ stdout: string; exitCode: number | undefined }>,
): Promise<RaceOutcome> {
  const swapper = await startSwapper(tmpRoot, victim, target);
  const outcome: RaceOutcome = { attempts: 0, wins: 0, started: 0 };
  try {
    for (let i = 0; i < ATTEMPTS && outcome.wins === 0; i++) {
      const mode = i % 2 === 0 ? 'hold' : 'toggle';
      await swapper.send(mode);
      const r = await job(i);
      await swapper.send('rest');
      outcome.attempts++;
      if (r.exitCode === 0) outcome.started++;
      if (r.stdout.includes(SECRET)) {
        outcome.wins++;
        outcome.firstWin ??= `attempt ${i + 1} (${mode})`;
      }
    }
  } finally {
    await swapper.stop();
  }
  // The attacker's entry is back, a real directory or file again.
  expect(lstatSync(victim).isSymbolicLink()).toBe(false);
  return outcome;
}

/** The four races, started together in beforeAll (they run concurrently); each test awaits its own. */
const races: Record<'volume' | 'cwd' | 'tmpdir' | 'jobfile', Promise<RaceOutcome>> = {} as never;

async function volumeRace(): Promise<RaceOutcome> {
  const { config, tmpRoot } = await target();
  const src = path.join(work, 'src');
  mkdirSync(src);
  writeFileSync(path.join(src, 'marker'), 'own data\n');
  giveTo(TEST_USER, src, path.join(src, 'marker'));
  return race(tmpRoot, src, hidden.inner, () =>
    sudoRun(TEST_USER, 'docker_run', ['--config', config, 'cat /data/marker'], {
      cwd: work,
      env: { LSF_DOCKER_VOLUMES: `${src}:/data` },
      timeout: 30_000,
    }),
  );
}

async function cwdRace(): Promise<RaceOutcome> {
  const { config, tmpRoot } = await target();
  const cwd = path.join(work, 'cwd');
  mkdirSync(cwd);
  writeFileSync(path.join(cwd, 'marker'), 'own cwd\n');
  giveTo(TEST_USER, cwd, path.join(cwd, 'marker'));
  return race(tmpRoot, cwd, hidden.inner, () =>
    sudoRun(TEST_USER, 'docker_run', ['--config', config, 'cat marker'], { cwd, timeout: 30_000 }),
  );
}

async function tmpdirRace(): Promise<RaceOutcome> {
  const { config, tmpRoot } = await target();
  const jobId = String(880000 + (process.pid % 10000));
  const tmpdir = path.join(roots.jobTmp, `${jobId}.tmpdir`);
  mkdirSync(tmpdir, { mode: 0o700 });
  giveTo(TEST_USER, tmpdir);
  const outcome = await race(tmpRoot, tmpdir, hidden.inner, () =>
    sudoRun(TEST_USER, 'docker_run', ['--config', config, 'cat /tmp/marker'], {
      cwd: work,
      env: { LSB_JOBID: jobId, TMPDIR: tmpdir },
      timeout: 30_000,
    }),
  );
  expect(existsSync(tmpdir)).toBe(true);
  return outcome;
}

async function jobFileRace(): Promise<RaceOutcome> {
  const { config, tmpRoot } = await target();
  const lsbatch = path.join(work, '.lsbatch');
  mkdirSync(lsbatch);
  const jobFile = path.join(lsbatch, '1700000000.881');
  writeFileSync(jobFile, 'echo own job file\n', { mode: 0o700 });
  giveTo(TEST_USER, lsbatch, jobFile);
  return race(tmpRoot, jobFile, hidden.script, () =>
    sudoRun(TEST_USER, 'docker_run', ['--config', config, jobFile], {
      cwd: work,
      env: { LSB_JOBID: '881', LSB_JOBFILENAME: jobFile },
      timeout: 30_000,
    }),
  );
}

beforeAll(() => {
  races.volume = volumeRace();
  races.cwd = cwdRace();
  races.tmpdir = tmpdirRace();
  races.jobfile = jobFileRace();
  // Each is awaited by its test; a failure before that must not count as unhandled.
  for (const p of Object.values(races)) p.catch(() => undefined);
});

const NEVER_WON = { attempts: ATTEMPTS, wins: 0, started: expect.any(Number) };

describe('a swap between the check and the mount never changes what the container sees', () => {
  test('the source of a volume (LSF_DOCKER_VOLUMES)', async () => {
    expect(await races.volume).toEqual(NEVER_WON);
  });

  test('the submission directory (cwd)', async () => {
    expect(await races.cwd).toEqual(NEVER_WON);
  });

  test("the job's tmpdir (the container's /tmp)", async () => {
    expect(await races.tmpdir).toEqual(NEVER_WON);
  });

  test('the job file LSF wrote (LSB_JOBFILENAME)', async () => {
    expect(await races.jobfile).toEqual(NEVER_WON);
  });
});
