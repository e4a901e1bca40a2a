/**
 * An upgrade under a running local LSF (lib/local/install-watch.ts, Dispatcher.handOver): the
 * user's dispatcher notices that scripts/install.sh replaced its program and hands the user dir
 * to a dispatcher of the new install at once, without losing what it runs. The job it started
 * keeps its real exit status (it stays that job's parent, and leaves after it), the jobs pending
 * then and the ones submitted afterwards run under the new dispatcher, and none runs twice.
 * Its own temporary prefix, installed twice; a slot of one, so that jobs wait behind the first.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { LOCAL_LSF_USER } from './helpers/mode.js';
import { REPO, STATE_DIR } from './helpers/paths.js';
import { describeResult, type RunResult, runAs } from './helpers/run-as.js';
import { userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(LOCAL_LSF_USER);
let prefix: string;
let stateDir: string;
let config: string;
let work: string;

const install = () =>
  execFileSync('bash', [path.join(REPO, 'scripts/install.sh'), prefix], { stdio: 'pipe' });

beforeAll(async () => {
  prefix = await mkdtemp('/tmp/lsfd-itg-upgrade-');
  await chmod(prefix, 0o755);
  install();
  stateDir = await mkdtemp(path.join(STATE_DIR, 'upgrade-'));
  await chmod(stateDir, 0o755);
  for (const dir of ['host', 'host/ids', 'host/locks', 'jobtmp']) {
    await mkdir(path.join(stateDir, dir), { recursive: true });
    await chmod(path.join(stateDir, dir), 0o1777);
    await chown(path.join(stateDir, dir), 0, 0);
  }
  config = await writeConfig(
    `[paths]\njob_tmp_root = ${stateDir}/jobtmp\n[local]\nstate_dir = ${stateDir}/host\nslots = 1\n`,
  );
  work = await userDir(LOCAL_LSF_USER, 'upgrade');
}, 120_000);

afterAll(async () => {
  await lsf(['bkill', '0']);
  await new Promise((r) => setTimeout(r, 500));
  await cleanupWorkspace();
  await rm(stateDir, { recursive: true, force: true });
  await rm(prefix, { recursive: true, force: true });
});

const lsf = (args: string[]) =>
  runAs(LOCAL_LSF_USER, [path.join(prefix, 'bin', 'lsf-docker'), '--config', config, ...args], {
    cwd: work,
    timeout: 60_000,
  });

const jobIdOf = (r: RunResult): number => {
  const m = /Job <(\d+)> is submitted/.exec(r.stdout);
  if (!m) throw new Error(`no job id in:\n${describeResult(r)}`);
  return Number(m[1]);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const userState = () => path.join(stateDir, 'host', `user.${user.uid}`);
const dispatcherPid = async () => Number(await readFile(path.join(userState(), 'dispatcher.pid'), 'utf8'));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `bjobs -a` as `ID STAT EXIT_CODE` lines, by job id. */
async function states(): Promise<Map<number, string>> {
  const r = await lsf(['bjobs', '-a', '-noheader', '-o', 'jobid stat exit_code']);
  return new Map(
    r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [id, ...rest] = l.trim().split(/\s+/);
        return [Number(id), rest.join(' ')] as [number, string];
      }),
  );
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test('a new install takes over at once; the old dispatcher sees its own job to its real end', async () => {
  const first = jobIdOf(await lsf(['bsub', '-o', 'first.out', 'sleep 6; exit 3']));
  await until('the first job to run', async () => (await states()).get(first)?.startsWith('RUN') ?? false);
  const old = await dispatcherPid();
  const waiting = jobIdOf(await lsf(['bsub', '-o', 'waiting.out', 'echo waiting-ran']));

  install(); // the upgrade: bin/ and dist/ swapped in whole
  const after = jobIdOf(await lsf(['bsub', '-o', 'after.out', 'echo after-ran']));

  // Handed over: a new dispatcher holds the user dir while the old one still runs the first job.
  await until('a new dispatcher', async () => (await dispatcherPid()) !== old, 15_000);
  const successor = await dispatcherPid();
  expect(alive(successor)).toBe(true);
  expect(alive(old)).toBe(true);
  expect((await states()).get(first)).toMatch(/^RUN/);
  const log = await readFile(path.join(userState(), 'dispatcher.log'), 'utf8');
  expect(log).toMatch(new RegExp(`dispatcher ${old} hands over: a new lsf-docker is installed \\(1 job`));

  await until('every job to end', async () => {
    const s = await states();
    return [first, waiting, after].every((id) => /^(DONE|EXIT)/.test(s.get(id) ?? ''));
  });
  const s = await states();
  // The first job's own status, recorded by its parent, not "unknown" by an adopter.
  expect(s.get(first)).toBe('EXIT 3');
  expect(s.get(waiting)).toMatch(/^DONE/);
  expect(s.get(after)).toMatch(/^DONE/);
  const firstOut = await readFile(path.join(work, 'first.out'), 'utf8');
  expect(firstOut).toMatch(/^Exited with exit code 3\.$/m);
  expect(firstOut).not.toMatch(/exit status is unknown/);
  for (const [name, text] of [
    ['waiting.out', 'waiting-ran'],
    ['after.out', 'after-ran'],
  ] as const) {
    const out = await readFile(path.join(work, name), 'utf8');
    expect(out.match(new RegExp(`^${text}$`, 'gm'))).toHaveLength(1); // ran once
  }
  // The old dispatcher left after its last job; the new one stays.
  await until('the old dispatcher to leave', async () => !alive(old), 10_000);
  expect(await dispatcherPid()).toBe(successor);
  expect(await readFile(path.join(userState(), 'dispatcher.log'), 'utf8')).toMatch(
    new RegExp(`dispatcher ${old} leaves: the last job it started ended`),
  );
}, 120_000);

test("a bkill during a hand-over: the new dispatcher signals the job, its parent's -o file says TERM_OWNER", async () => {
  const long = jobIdOf(await lsf(['bsub', '-o', 'long.out', 'sleep 60']));
  await until('the long job to run', async () => (await states()).get(long)?.startsWith('RUN') ?? false);
  const parent = await dispatcherPid();
  install();
  // Any command wakes the parent, whose next look sees the new install and hands over.
  await until(
    'a new dispatcher',
    async () => {
      await lsf(['bjobs']);
      return (await dispatcherPid()) !== parent;
    },
    15_000,
  );
  expect(alive(parent)).toBe(true);
  const t0 = Date.now();
  expect((await lsf(['bkill', String(long)])).stdout).toMatch(
    new RegExp(`Job <${long}> is being terminated`),
  );
  await until('the long job to end', async () => /^EXIT/.test((await states()).get(long) ?? ''));
  expect(Date.now() - t0).toBeLessThan(10_000);
  const out = await readFile(path.join(work, 'long.out'), 'utf8');
  expect(out).toMatch(/^TERM_OWNER: job killed by owner\.$/m);
  expect(out).toMatch(/^Exited with exit code \d+\.$/m);
  await until('the parent to leave', async () => !alive(parent), 10_000);
}, 120_000);
