/**
 * The local LSF (`lsf-docker bsub / bjobs / bkill / bpeek / badmin`), run as the unprivileged
 * test user with a private state dir and config: esubs through the protocol files, -K exit codes,
 * -o files, job states, bkill of a running container job, arrays, slots, drain, a real PTY.
 */
import {
  chmod,
  chown,
  stat as lstatOf,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { containersWithLabel, IMAGES, removeContainersWithLabel } from './helpers/docker.js';
import { LOCAL_LSF_USER } from './helpers/mode.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { ptyAs, stripAnsi } from './helpers/pty.js';
import { describeResult, type RunResult, runAs } from './helpers/run-as.js';
import { TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(LOCAL_LSF_USER);
const other = userInfo(TEST_USER2);
const DOCKER = `docker(${IMAGES.busybox})`;
let stateDir: string;
let config: string;
let oneSlot: string;
let work: string;
let jobTmp: string;

/** What provisioning does (as root): the shared host dir and its ids/ and locks/, root-owned 1777. */
async function provisionHostDir(host: string, owner = 0): Promise<void> {
  for (const dir of [host, `${host}/ids`, `${host}/locks`]) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o1777);
    await chown(dir, owner, owner);
  }
}

/** A root-owned 1777 dir (like /tmp) under the state dir. */
async function stickyDir(name: string): Promise<string> {
  const dir = path.join(stateDir, name);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o1777);
  return dir;
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(STATE_DIR, 'local-lsf-'));
  await chmod(stateDir, 0o1777);
  await provisionHostDir(`${stateDir}/host`);
  // Job tmpdirs of this file apart from other files' (whose state dirs count ids from 1 too).
  jobTmp = await stickyDir('jobtmp');
  const base = `[paths]\njob_tmp_root = ${jobTmp}\n[job]\nterminate_interval = 1\n[local]\nstate_dir = ${stateDir}/host\n`;
  config = await writeConfig(`${base}slots = 4\n`);
  oneSlot = await writeConfig(`${base}slots = 1\n`);
  work = await userDir(LOCAL_LSF_USER, 'local-lsf');
});

afterAll(async () => {
  await runAs(LOCAL_LSF_USER, [program('lsf-docker'), '--config', config, 'badmin', 'hopen']);
  await removeContainersWithLabel(`lsf-docker.uid=${user.uid}`);
  await cleanupWorkspace();
  await rm(stateDir, { recursive: true, force: true });
});

const lsf = (
  args: string[],
  opts: { config?: string; env?: Record<string, string>; timeout?: number } = {},
) =>
  runAs(LOCAL_LSF_USER, [program('lsf-docker'), '--config', opts.config ?? config, ...args], {
    cwd: work,
    env: opts.env,
    timeout: opts.timeout ?? 60_000,
  });

const jobIdOf = (r: RunResult): number => {
  const m = /Job <(\d+)> is submitted to (?:default )?queue <[^>]+>\./.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`no job id in:\n${describeResult(r)}`);
  return Number(m[1]);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The STAT column of `bjobs JOBID`. */
async function stat(id: number | string, cfg = config): Promise<string> {
  const r = await lsf(['bjobs', String(id)], { config: cfg });
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${id} `));
  return line?.trim().split(/\s+/)[2] ?? `none (${r.stdout} ${r.stderr})`;
}

async function waitForStat(id: number, want: RegExp, timeoutMs = 30_000, cfg = config): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = await stat(id, cfg);
    if (want.test(last)) return last;
    await sleep(200);
  }
  throw new Error(`job ${id} stayed ${last}, wanted ${want}`);
}

describe('bsub -K', () => {
  test("passes the job's exit code, prints LSF's messages, runs in the container as the user", async () => {
    const r = await lsf(['bsub', '-a', DOCKER, '-o', 'k.%J.out', '-K', 'id -u; cat /proc/1/cmdline; exit 7']);
    expect(r.exitCode).toBe(7);
    const id = jobIdOf(r);
    expect(r.stdout).toMatch(new RegExp(`^Job <${id}> is submitted to default queue <normal>\\.`));
    expect(r.stderr).toMatch(/<<Waiting for dispatch \.\.\.>>\n<<Starting on [^>]+>>\n<<Job is finished>>/);
    const out = await readFile(path.join(work, `k.${id}.out`), 'utf8');
    // Header, the job's command, the end, the summary, then the output.
    expect(out).toMatch(
      new RegExp(
        `^Sender: LSF System <lsfadmin@[^>]+>\\nSubject: Job ${id}: <id -u; cat /proc/1/cmdline; exit 7> in cluster <local> Exited\\n`,
      ),
    );
    expect(out).toMatch(/# LSBATCH: User input\nid -u; cat \/proc\/1\/cmdline; exit 7\n/);
    expect(out).toMatch(/\nExited with exit code 7\.\n/);
    expect(out).toMatch(/Resource usage summary:\n\n {4}CPU time : +[\d.]+ sec\.\n {4}Max Memory :/);
    expect(out).toMatch(/Run time : +\d+ sec\.\n {4}Turnaround time : +\d+ sec\.\n/);
    const output = out.split('The output (if any) follows:\n\n')[1] ?? '';
    // id -u inside the container is the user; PID 1 is docker's init running the job file, which
    // docker_run read as the user and runs as its job script (never mounted by path).
    expect(output).toMatch(
      new RegExp(`^${user.uid}\\n/sbin/docker-init\\0--\\0/bin/sh\\0/lsf-docker/job\\.sh\\0?\\n?`),
    );
  });

  test('a job that succeeds exits 0 and its -oo file says so; -e gets stderr apart', async () => {
    await lsf(['bsub', '-oo', 'ok.out', '-K', 'echo old']);
    const r = await lsf([
      'bsub',
      '-a',
      DOCKER,
      '-oo',
      'ok.out',
      '-eo',
      'ok.err',
      '-K',
      'echo to-out; echo to-err >&2',
    ]);
    expect(r.exitCode).toBe(0);
    const out = await readFile(path.join(work, 'ok.out'), 'utf8');
    expect(out).not.toMatch(/\nold\n/); // -oo overwrote
    expect(out).toMatch(/\nSuccessfully completed\.\n/);
    expect(out).toMatch(/follows:\n\nto-out\n/);
    expect(out).toMatch(/Read file <.*ok\.err> for stderr output of this job\./);
    expect(await readFile(path.join(work, 'ok.err'), 'utf8')).toBe('to-err\n');
  });

  test('LSB_* variables, the 0700 job tmpdir and TMPDIR reach the job; the tmpdir is gone afterwards', async () => {
    const r = await lsf([
      'bsub',
      '-a',
      DOCKER,
      '-q',
      'short',
      '-J',
      'envjob',
      '-R',
      'rusage[mem=64] select[port8123=1]',
      '-o',
      'env.out',
      '-K',
      'echo "id=$LSB_JOBID idx=$LSB_JOBINDEX name=$LSB_JOBNAME q=$LSB_QUEUE hosts=$LSB_HOSTS mcpu=$LSB_MCPU_HOSTS cwd=$LS_SUBCWD rr=$LSB_EFFECTIVE_RSRCREQ"; echo "file=$LSB_JOBFILENAME"; echo "tmp=$TMPDIR"; ls -ld /tmp | cut -c1-10; cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    ]);
    expect(r.exitCode).toBe(0);
    const id = jobIdOf(r);
    expect(r.stdout).toMatch(/queue <short>/);
    const output = (await readFile(path.join(work, 'env.out'), 'utf8')).split('follows:\n\n')[1] ?? '';
    expect(output).toMatch(
      new RegExp(
        `^id=${id} idx=0 name=envjob q=short hosts=\\S+ mcpu=\\S+ 1 cwd=${work} rr=rusage\\[mem=64\\] select\\[port8123=1\\]\\n`,
      ),
    );
    expect(output).toMatch(new RegExp(`\\nfile=${user.home}/\\.lsbatch/\\d+\\.${id}\\n`));
    expect(output).toMatch(new RegExp(`\\ntmp=/tmp(/${id}\\.tmpdir)?\\n`));
    expect(output).toMatch(/\ndrwx------\n/); // the job's /tmp is its private 0700 tmpdir
    expect(output).toMatch(new RegExp(`\\n${64 * 1024 * 1024}\\n`)); // rusage mem -> RLIMIT_RSS -> docker --memory
    await expect(readdir(`${jobTmp}/${id}.tmpdir`)).rejects.toThrow(/ENOENT/);
    const lsbatch = await runAs(LOCAL_LSF_USER, [
      'sh',
      '-c',
      `ls ${user.home}/.lsbatch | grep -c '\\.${id}$' || true`,
    ]);
    expect(lsbatch.stdout).toBe('0'); // the job file is removed at the end
  });

  test('-M sets the container memory limit (RLIMIT_RSS for docker_run)', async () => {
    const r = await lsf([
      'bsub',
      '-a',
      DOCKER,
      '-M',
      '96M',
      '-o',
      'mem.out',
      '-K',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
    ]);
    expect(r.exitCode).toBe(0);
    expect(await readFile(path.join(work, 'mem.out'), 'utf8')).toMatch(
      new RegExp(`follows:\\n\\n${96 * 1024 * 1024}\\n`),
    );
  });

  test('a bad image is rejected by the esub before any job exists', async () => {
    const r = await lsf(['bsub', '-a', 'docker(Not An Image)', '-K', 'true']);
    expect(r.exitCode).toBe(97);
    expect(r.stderr).toMatch(/^esub\.docker: .*\n/);
    expect(r.stderr).toMatch(/Request aborted by esub\. Job not submitted\./);
    expect(r.stdout).not.toMatch(/is submitted/);
  });

  test('several applications in -a run in order; an unknown one is refused', async () => {
    const r = await lsf(['bsub', '-a', 'nosuchapp(1)', '-K', 'true']);
    expect(r.exitCode).toBe(210);
    expect(r.stderr).toMatch(/nosuchapp: no such application/);
  });
});

describe('bjobs and bkill', () => {
  test('bkill ends a running job and its container; bjobs shows RUN then EXIT', async () => {
    const sub = await lsf(['bsub', '-a', DOCKER, '-o', 'kill.out', 'sleep 300']);
    expect(sub.exitCode).toBe(0);
    const id = jobIdOf(sub);
    await waitForStat(id, /^RUN$/);
    const end = Date.now() + 20_000;
    while ((await containersWithLabel(`lsf-docker.job=${id}`)).length === 0 && Date.now() < end)
      await sleep(200);
    expect(await containersWithLabel(`lsf-docker.job=${id}`)).toHaveLength(1);
    const peek = await lsf(['bpeek', String(id)]);
    expect(peek.stdout).toMatch(/^<< output from stdout >>/);

    const t0 = Date.now();
    const k = await lsf(['bkill', String(id)]);
    expect(k.stdout).toBe(`Job <${id}> is being terminated`);
    await waitForStat(id, /^EXIT$/);
    expect(Date.now() - t0).toBeLessThan(10_000); // SIGINT, 1 s, SIGTERM, 1 s, SIGKILL
    expect(await containersWithLabel(`lsf-docker.job=${id}`)).toEqual([]);
    const long = await lsf(['bjobs', '-l', String(id)]);
    expect(long.stdout).toMatch(/Status <EXIT>/);
    expect(long.stdout).toMatch(/Exited with exit code 1[34]\d\./);
    expect(long.stdout).toMatch(/TERM_OWNER/);
    const again = await lsf(['bkill', String(id)]);
    expect(again.stderr).toMatch(new RegExp(`Job <${id}>: Job has already finished`));
    expect(await readFile(path.join(work, 'kill.out'), 'utf8')).toMatch(/Exited with exit code 1[34]\d\./);
  });

  test('bjobs: DONE with -a, and an unknown job', async () => {
    const r = await lsf(['bsub', '-K', 'true']);
    const id = jobIdOf(r);
    expect(await stat(id)).toBe('DONE');
    const list = await lsf(['bjobs', '-a']);
    expect(list.stdout).toMatch(/^JOBID +USER +STAT +QUEUE +FROM_HOST +EXEC_HOST +JOB_NAME +SUBMIT_TIME\n/);
    expect(list.stdout).toMatch(new RegExp(`\\n${id} +${LOCAL_LSF_USER} +DONE +normal `));
    const missing = await lsf(['bjobs', '999999999']);
    expect(missing.exitCode).toBe(255);
    expect(missing.stderr).toBe('Job <999999999> is not found');
  });

  test('bkill -s KILL signals the job at once', async () => {
    const sub = await lsf(['bsub', 'sleep 300']);
    const id = jobIdOf(sub);
    await waitForStat(id, /^RUN$/);
    const k = await lsf(['bkill', '-s', 'KILL', String(id)]);
    expect(k.stdout).toBe(`Job <${id}> is being signaled`);
    await waitForStat(id, /^EXIT$/, 5_000);
    expect((await lsf(['bjobs', '-l', String(id)])).stdout).toMatch(/Exited with exit code 137\./);
  });
});

describe('job arrays', () => {
  test('each index runs with its own LSB_JOBINDEX, tmpdir and %I output file', async () => {
    const r = await lsf([
      'bsub',
      '-a',
      DOCKER,
      '-J',
      'arr[1-4]',
      '-o',
      'arr.%J.%I',
      '-K',
      'echo "idx=$LSB_JOBINDEX name=$LSB_JOBNAME"; touch /tmp/mine.$LSB_JOBINDEX; ls /tmp',
    ]);
    expect(r.exitCode).toBe(0);
    const id = jobIdOf(r);
    for (const i of [1, 2, 3, 4]) {
      const out = (await readFile(path.join(work, `arr.${id}.${i}`), 'utf8')).split('follows:\n\n')[1];
      // Only its own file in its own /tmp: the tmpdirs are separate.
      expect(out).toBe(`idx=${i} name=arr[${i}]\nmine.${i}\n`);
    }
    const list = await lsf(['bjobs', '-a', String(id)]);
    expect(list.stdout.split('\n').filter((l) => l.startsWith(`${id} `))).toHaveLength(4);
  });
});

describe('slots and drain', () => {
  test('with 1 slot, three jobs run one after the other', async () => {
    const log = path.join(work, 'serial.log');
    const ids: number[] = [];
    for (let n = 0; n < 3; n++) {
      const r = await lsf(
        ['bsub', '-a', DOCKER, `echo start $LSB_JOBID >> ${log}; sleep 1; echo end $LSB_JOBID >> ${log}`],
        {
          config: oneSlot,
        },
      );
      expect(r.exitCode).toBe(0);
      ids.push(jobIdOf(r));
    }
    expect(await stat(ids[2]!, oneSlot)).toBe('PEND');
    for (const id of ids) await waitForStat(id, /^DONE$/, 60_000, oneSlot);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    // Each job ends before the next starts (no interleaving), in submission order.
    expect(lines).toEqual(ids.flatMap((id) => [`start ${id}`, `end ${id}`]));
  });

  test('many concurrent bsubs: unique ids, each job runs exactly once', async () => {
    const log = path.join(work, 'burst.log');
    const subs = await Promise.all(
      Array.from({ length: 8 }, () => lsf(['bsub', `echo $LSB_JOBID >> ${log}`])),
    );
    const ids = subs.map(jobIdOf);
    expect(new Set(ids).size).toBe(8);
    for (const id of ids) await waitForStat(id, /^DONE$/);
    const ran = (await readFile(log, 'utf8')).trim().split('\n').map(Number);
    expect(ran.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  });

  test('hclose keeps a new job PEND (even if its dispatcher dies) until hopen', async () => {
    expect((await lsf(['badmin', 'hclose'])).stdout).toMatch(/^Close <[^>]+> \.\.\.\.\.\. done$/);
    try {
      const r = await lsf(['bsub', '-o', 'drain.out', 'echo ran-$LSB_JOBID']);
      const id = jobIdOf(r);
      await sleep(1500);
      expect(await stat(id)).toBe('PEND');
      const long = await lsf(['bjobs', '-l', String(id)]);
      expect(long.stdout).toMatch(/PENDING REASONS:\n The host is closed/);
      // Kill the dispatcher: the job is a record, not a process; the next command starts a new one.
      const pid = Number(await readFile(`${stateDir}/host/user.${user.uid}/dispatcher.pid`, 'utf8'));
      expect(pid).toBeGreaterThan(1);
      process.kill(pid, 'SIGKILL');
      await sleep(300);
      expect(await stat(id)).toBe('PEND');
      expect((await lsf(['badmin', 'hopen'])).stdout).toMatch(/^Open <[^>]+> \.\.\.\.\.\. done$/);
      await waitForStat(id, /^DONE$/);
      const out = await readFile(path.join(work, 'drain.out'), 'utf8');
      expect(out.match(/ran-\d+/g)).toEqual([`ran-${id}`]); // ran once
    } finally {
      await lsf(['badmin', 'hopen']);
    }
  });
});

describe('interactive', () => {
  test('bsub -Is on a real PTY: typing id and exit talks to the container', async () => {
    const s = ptyAs(
      LOCAL_LSF_USER,
      [program('lsf-docker'), '--config', config, 'bsub', '-Is', '-a', DOCKER, '/bin/sh'],
      {
        cwd: work,
      },
    );
    const waitOut = async (re: RegExp, from = 0) => {
      const end = Date.now() + 30_000;
      while (!re.test(stripAnsi(s.output().slice(from)))) {
        if (Date.now() > end) throw new Error(`no ${re} in ${JSON.stringify(s.output())}`);
        await sleep(100);
      }
    };
    await waitOut(/<<Starting on [^>]+>>/);
    await waitOut(/\$ $/m);
    const from = s.output().length;
    s.write('id\n');
    await waitOut(new RegExp(`uid=${user.uid}\\(${LOCAL_LSF_USER}\\) gid=${user.gid}`), from);
    s.write('exit 5\n');
    const r = await s.result;
    const text = stripAnsi(r.stdout);
    expect(text).toMatch(
      /Job <\d+> is submitted to default queue <normal>\.\n<<Waiting for dispatch \.\.\.>>\n<<Starting on /,
    );
    expect(r.exitCode).toBe(5);
  });

  test('bsub -I without a terminal passes stdin and the exit code', async () => {
    const r = await runAs(
      LOCAL_LSF_USER,
      [program('lsf-docker'), '--config', config, 'bsub', '-I', '-a', DOCKER, 'read x; echo got-$x; exit 4'],
      {
        cwd: work,
        input: 'hello\n',
      },
    );
    expect({ exit: r.exitCode, out: r.stdout }).toEqual({ exit: 4, out: 'got-hello' });
  });
});

describe('shared state that other users can touch', () => {
  /** A fresh provisioned host dir, job tmp root and config (its first job id is 1). */
  async function freshHost(name: string) {
    const host = path.join(stateDir, `${name}-host`);
    await provisionHostDir(host);
    const tmp = await stickyDir(`${name}-jobtmp`);
    const cfg = await writeConfig(`[paths]\njob_tmp_root = ${tmp}\n[local]\nstate_dir = ${host}\n`);
    return { host, tmp, cfg };
  }

  test("another user's next.<uid> in place of ours does not stop bsub, and leaves no temp file", async () => {
    const { host, cfg } = await freshHost('hint');
    await writeFile(`${host}/next.${user.uid}`, '5\n', { mode: 0o644 });
    await chown(`${host}/next.${user.uid}`, other.uid, other.gid);
    const first = await lsf(['bsub', '-K', 'echo ran-$LSB_JOBID'], { config: cfg });
    const second = await lsf(['bsub', '-K', 'true'], { config: cfg });
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);
    // Their hint (not written by uid 4201 itself) is not trusted: ids start at 1.
    expect([jobIdOf(first), jobIdOf(second)]).toEqual([1, 2]);
    expect((await readdir(host)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await lstatOf(`${host}/next.${user.uid}`)).uid).toBe(other.uid);
    expect(await readFile(`${host}/next.${user.uid}`, 'utf8')).toBe('5\n');
  });

  test("another user's dir in place of the job tmpdir: the job runs in a fresh dir beside it, their dir stays", async () => {
    const { tmp, cfg } = await freshHost('tmpdir');
    const theirs = `${tmp}/1.tmpdir`;
    await mkdir(theirs, { mode: 0o700 });
    await writeFile(`${theirs}/their-file`, 'x');
    await chown(theirs, other.uid, other.gid);
    const r = await lsf(
      ['bsub', '-K', '-o', 'taken.out', 'echo "tmp=$TMPDIR"; ls -ld "$TMPDIR" | cut -c1-10'],
      {
        config: cfg,
        timeout: 30_000,
      },
    );
    expect(jobIdOf(r)).toBe(1);
    expect(r.exitCode).toBe(0);
    const output = (await readFile(path.join(work, 'taken.out'), 'utf8')).split(
      'The output (if any) follows:\n\n',
    )[1];
    expect(output).toMatch(new RegExp(`^tmp=${theirs}\\.[A-Za-z0-9]{6}\\ndrwx------\\n$`));
    expect((await lstatOf(theirs)).uid).toBe(other.uid);
    expect(await readdir(theirs)).toEqual(['their-file']);
    expect((await readdir(tmp)).sort()).toEqual(['1.tmpdir']); // ours was removed at the end
  });

  test('a configured state dir owned by another user is refused, naming it and [local] state_dir', async () => {
    const host = path.join(stateDir, 'squatted-host');
    await provisionHostDir(host, other.uid);
    const cfg = await writeConfig(`[local]\nstate_dir = ${host}\n`);
    const r = await lsf(['bsub', 'true'], { config: cfg });
    expect(r.exitCode).toBe(211);
    expect(r.stderr).toBe(
      `lsf-docker: [local] state_dir: ${host} is owned by uid ${other.uid}, not root: its owner could delete or rename everyone's job-id markers and locks; the shared state dir must be made by root: install -d -m 1777 -o root -g root ${host} ${host}/ids ${host}/locks`,
    );
    expect(await readdir(host)).toEqual(['ids', 'locks']);
    const missing = await writeConfig(`[local]\nstate_dir = ${stateDir}/never-made\n`);
    const m = await lsf(['bsub', 'true'], { config: missing });
    expect(m.exitCode).toBe(211);
    expect(m.stderr).toMatch(
      /\[local\] state_dir: .*\/never-made does not exist; the shared state dir must be made by root/,
    );
  });

  test('the default host dir squatted by another user: bsub uses a private host dir and its own id range', async () => {
    const tmpRoot = await stickyDir('squat-tmp-root');
    const squatted = path.join(tmpRoot, 'lsf-docker.host');
    await mkdir(squatted, { mode: 0o1777 });
    await chmod(squatted, 0o1777);
    await chown(squatted, other.uid, other.gid);
    const cfg = await writeConfig(`[paths]\ntmp_root = ${tmpRoot}\njob_tmp_root = ${tmpRoot}\n`);
    const r = await lsf(['bsub', '-K', '-o', 'private.out', 'echo id=$LSB_JOBID'], { config: cfg });
    expect(r.exitCode).toBe(0);
    const id = jobIdOf(r);
    const first = 1_000_000 * (1 + (user.uid % 2146));
    expect(id).toBeGreaterThanOrEqual(first);
    expect(id).toBeLessThan(first + 1_000_000);
    expect(await readFile(path.join(work, 'private.out'), 'utf8')).toContain(`id=${id}\n`);
    expect(await readdir(squatted)).toEqual([]); // nothing of ours in their dir
    const mine = await lstatOf(`${user.home}/.lsf-docker/host/ids/${id}`);
    expect(mine.uid).toBe(user.uid);
    expect((await lstatOf(`${user.home}/.lsf-docker/host`)).mode & 0o777).toBe(0o700);
    expect(await stat(id, cfg)).toBe('DONE');
  });
});
