/**
 * The local LSF driven the way scripts and workflow managers drive LSF: Snakemake's LSF executor
 * (bsub -J NAME -o LOG -e LOG -env all -W -n -R ... -cwd DIR "CMD", then polling
 * `bjobs -noheader -o 'jobid stat' -aJ '*UUID*'`), #BSUB job scripts, -o files parsed with
 * line-anchored patterns, bkill of a shell job in a container (timed), bstop/bresume, -K's exit
 * statuses, failures where the user looks, and one dispatcher for many pending jobs that survives
 * being killed. Run as the unprivileged test user (outside the docker group: the job starters run
 * through the sudo rule, `[local] starter = sudo`) with a provisioned (root 1777) host dir.
 */
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { attackConfig, cleanupAttacks, prepareAttacks } from './helpers/attack.js';
import { containersWithLabel, docker, IMAGES, removeContainersWithLabel } from './helpers/docker.js';
import { INSTALL_PREFIX, program, REPO, STATE_DIR } from './helpers/paths.js';
import { describeResult, type RunResult, runAs } from './helpers/run-as.js';
import { TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, localLsfStateDir, userDir } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const DOCKER = `docker(${IMAGES.busybox})`;
let stateDir: string;
let config: string;
let work: string;

beforeAll(async () => {
  stateDir = await localLsfStateDir('local-lsf-wf');
  // The secure deployment: the job starters through the sudo rule (configs in /etc/lsf-docker).
  await prepareAttacks();
  config = await attackConfig(
    `[paths]\njob_tmp_root = ${stateDir}/jobtmp\n[job]\nterminate_interval = 10\n[local]\nstate_dir = ${stateDir}/host\nslots = 2\ndispatcher_idle = 3\nstarter = sudo\n[docker]\npull = missing\n`,
  );
  work = await userDir(TEST_USER, 'local-lsf-wf');
});

afterAll(async () => {
  await runAs(TEST_USER, [program('lsf-docker'), '--config', config, 'bkill', '0']);
  await removeContainersWithLabel(`lsf-docker.uid=${user.uid}`);
  await cleanupWorkspace();
  await cleanupAttacks();
  await rm(stateDir, { recursive: true, force: true });
});

const lsf = (args: string[], opts: { env?: Record<string, string>; input?: string; timeout?: number } = {}) =>
  runAs(TEST_USER, [program('lsf-docker'), '--config', config, ...args], {
    cwd: work,
    env: opts.env,
    input: opts.input,
    timeout: opts.timeout ?? 60_000,
  });

const jobIdOf = (r: RunResult): number => {
  const m = /^Job <(\d+)> is submitted to (?:default )?queue <[^>]+>\.$/m.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`no job id in:\n${describeResult(r)}`);
  return Number(m[1]);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Snakemake's status poll: `bjobs -noheader -o 'jobid stat' -aJ PATTERN`, as {jobid: stat}. */
async function snakemakeStatus(pattern: string): Promise<Record<string, string>> {
  const r = await lsf(['bjobs', '-noheader', '-o', 'jobid stat', '-aJ', pattern]);
  expect(r.exitCode).toBe(0);
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/) as [string, string]),
  );
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last = await get();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await sleep(150);
    last = await get();
  }
  return last;
}

describe("Snakemake's LSF executor", () => {
  test('submits with its options, polls bjobs -noheader -o "jobid stat" -aJ, reads the shared -o/-e log', async () => {
    const uuid = '0f6c1d2e-5a4b-4c3d-9e8f-7a6b5c4d3e2f';
    const submit = (rule: string, cmd: string) =>
      lsf([
        'bsub',
        '-J',
        `Snakemake_rule_${rule}:sample=a___(${uuid})`,
        '-o',
        `${work}/${rule}.log`,
        '-e',
        `${work}/${rule}.log`,
        '-env',
        'all',
        '-W',
        '10',
        '-n',
        '1',
        '-R',
        'rusage[mem=100]',
        '-R',
        'span[hosts=1]',
        '-cwd',
        work,
        cmd,
      ]);
    const ok = jobIdOf(await submit('ok', 'echo made-it; echo to-stderr >&2'));
    const bad = jobIdOf(await submit('bad', 'exit 3'));
    const final = await until(
      'both jobs',
      () => snakemakeStatus(`*${uuid}*`),
      (s) => ['DONE', 'EXIT'].includes(s[ok] ?? '') && ['DONE', 'EXIT'].includes(s[bad] ?? ''),
    );
    expect(final).toEqual({ [ok]: 'DONE', [bad]: 'EXIT' });
    const log = await readFile(`${work}/ok.log`, 'utf8');
    expect(log).toMatch(/^Sender: LSF System </m);
    expect(log).toMatch(/^Successfully completed\.$/m);
    expect(log).toMatch(/^made-it$/m);
    expect(log).toMatch(/^to-stderr$/m); // -e naming the -o file: stderr goes with stdout
    expect(log).not.toMatch(/^PS:$/m);
    expect(await readFile(`${work}/bad.log`, 'utf8')).toMatch(/^Exited with exit code 3\.$/m);
    // Nothing matches: no error, exit 0 (LSB_BJOBS_CONSISTENT_EXIT_CODE unset), 255 when set to Y.
    expect(await snakemakeStatus('*no-such-run*')).toEqual({});
    const strict = await lsf(['bjobs', '-noheader', '-o', 'jobid stat', '-aJ', 'nothing'], {
      env: { LSB_BJOBS_CONSISTENT_EXIT_CODE: 'Y' },
    });
    expect(strict.exitCode).toBe(255);
  });
});

describe('job scripts', () => {
  const script = [
    '#!/bin/sh',
    '#BSUB -J scripted',
    '#BSUB -q short',
    '#BSUB -n 2',
    '#BSUB -o script.%J.out',
    '#BSUB -R "rusage[mem=64]"',
    '',
    'echo "name=$LSB_JOBNAME queue=$LSB_QUEUE slots=$LSB_DJOB_NUMPROC"',
    '#BSUB -q ignored-after-the-first-command',
  ].join('\n');

  test('bsub < script: the #BSUB lines are options, the command line wins', async () => {
    const r = await lsf(['bsub', '-q', 'long', '-K'], { input: script });
    expect(r.exitCode).toBe(0);
    const id = jobIdOf(r);
    expect(r.stdout).toMatch(/queue <long>/);
    const out = await readFile(`${work}/script.${id}.out`, 'utf8');
    expect(out).toMatch(/^name=scripted queue=long slots=2$/m);
    expect(out).toMatch(/^# LSBATCH: User input\n#!\/bin\/sh\n#BSUB -J scripted$/m);
  });

  test('bsub script: its #BSUB lines too; an array with a running limit and LSB_JOBINDEX_END/_STEP', async () => {
    await writeFile(
      `${work}/arr.sh`,
      '#!/bin/sh\n#BSUB -J "arr[1-7:3]%1"\n#BSUB -o arr.%J.%I\necho "i=$LSB_JOBINDEX end=$LSB_JOBINDEX_END step=$LSB_JOBINDEX_STEP"; date +%s%N; sleep 0.3\n',
      { mode: 0o755 },
    );
    await chown(`${work}/arr.sh`, user.uid, user.gid);
    const r = await lsf(['bsub', '-K', './arr.sh']);
    expect(r.exitCode).toBe(0);
    const id = jobIdOf(r);
    const outs = await Promise.all([1, 4, 7].map((i) => readFile(`${work}/arr.${id}.${i}`, 'utf8')));
    for (const [k, o] of outs.entries())
      expect(o).toMatch(new RegExp(`^i=${[1, 4, 7][k]} end=7 step=3$`, 'm'));
    // %1: one element at a time (each sleeps 0.3 s), in index order, though the host has 2 slots.
    const starts = outs.map((o) => Number(/^(\d{19})$/m.exec(o)?.[1]) / 1e6);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(300);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(300);
  });

  test('bsub -I -o FILE: the job output goes to the file, stdin is still ours', async () => {
    const r = await lsf(['bsub', '-I', '-o', 'inter.out', 'read x; echo "got $x"; echo oops >&2; exit 3'], {
      input: 'hello\n',
    });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(await readFile(`${work}/inter.out`, 'utf8')).toBe('got hello\noops\n');
  });

  test('options the local LSF cannot honour are refused by name, before any job exists', async () => {
    const r = await lsf(['bsub', '-sla', 'gold', 'true']);
    expect({ exit: r.exitCode, err: r.stderr }).toEqual({
      exit: 210,
      err: 'lsf-docker: bsub -sla: not supported by the local LSF (refused, not ignored)',
    });
  });
});

describe('signals and job control', () => {
  test('bkill of a `sleep 1000` shell job in a container: gone at the first SIGINT, TERM_OWNER on its own line', async () => {
    const id = jobIdOf(await lsf(['bsub', '-a', DOCKER, '-o', 'killed.out', 'sleep 1000']));
    const label = `lsf-docker.job=${id}`;
    await until(
      'the container',
      () => containersWithLabel(label),
      (c) => c.length === 1,
    );
    await sleep(500); // the shell has started its sleep
    const t0 = Date.now();
    expect((await lsf(['bkill', String(id)])).stdout).toBe(`Job <${id}> is being terminated`);
    await until(
      'the container gone',
      () => containersWithLabel(label),
      (c) => c.length === 0,
      9_000,
    );
    const gone = Date.now() - t0;
    expect(gone).toBeLessThan(2_000); // [job] terminate_interval is 10 s: the first signal did it
    const out = await until(
      'the -o file',
      () => readFile(`${work}/killed.out`, 'utf8').catch(() => ''),
      (t) => t !== '',
    );
    expect(out).toMatch(/^TERM_OWNER: job killed by owner\.\nExited with exit code 130\.$/m);
    expect(out).toMatch(/^ {4}Max Processes : +\d+$/m);
  });

  test('bstop pauses the container (USUSP), bresume resumes it', async () => {
    const id = jobIdOf(await lsf(['bsub', '-a', DOCKER, 'sleep 1000']));
    const label = `lsf-docker.job=${id}`;
    const [cid] = await until(
      'the container',
      () => containersWithLabel(label),
      (c) => c.length === 1,
    );
    const paused = async () => (await docker(['inspect', '-f', '{{.State.Paused}}', cid!])).stdout.trim();
    await sleep(500);
    expect((await lsf(['bstop', String(id)])).stdout).toBe(`Job <${id}> is being stopped`);
    expect(await until('paused', paused, (p) => p === 'true', 10_000)).toBe('true');
    const stat = await lsf(['bjobs', '-noheader', '-o', 'stat', String(id)]);
    expect(stat.stdout).toBe('USUSP');
    await lsf(['bresume', String(id)]);
    expect(await until('resumed', paused, (p) => p === 'false', 10_000)).toBe('false');
    await lsf(['bkill', '-s', 'KILL', String(id)]);
  });

  test('bsub -K exits 126 when its job is killed while pending; -H holds it (PSUSP)', async () => {
    const k = runAs(TEST_USER, [program('lsf-docker'), '--config', config, 'bsub', '-K', '-H', 'true'], {
      cwd: work,
    });
    const id = await until(
      'the held job',
      async () => {
        const r = await lsf(['bjobs', '-noheader', '-o', 'jobid stat']);
        return /^(\d+) +PSUSP$/m.exec(r.stdout)?.[1];
      },
      Boolean,
    );
    await lsf(['bkill', id!]);
    const r = await k;
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toMatch(/<<Job is finished>>/);
  });
});

describe('failures where the user looks', () => {
  test("the job starter's one line on bsub -K's terminal and in the -o file's header", async () => {
    const r = await lsf(['bsub', '-a', DOCKER, '-K', '-o', 'fail.out', 'true'], {
      env: { LSF_DOCKER_NETWORK: 'no-such-net' },
    });
    expect(r.exitCode).toBe(213);
    const id = jobIdOf(r);
    expect(r.stderr).toMatch(
      new RegExp(`^lsf-docker: job ${id}: docker_run: LSF_DOCKER_NETWORK: .*no-such-net`, 'm'),
    );
    const out = await readFile(`${work}/fail.out`, 'utf8');
    expect(out.split('Your job looked like:')[0]).toMatch(/^lsf-docker: docker_run: LSF_DOCKER_NETWORK: /m);
  });

  test('a mistyped LSF_DOCKER_ name, comma-separated volumes, and -M below docker minimum', async () => {
    const r = await lsf(['bsub', '-a', DOCKER, '-M', '4000', 'true'], {
      env: { LSF_DOCKER_VOLUME: `${work}:/w`, LSF_DOCKER_VOLUMES: `${work}:/a,${work}:/b` },
    });
    expect(r.stderr).toMatch(/^WARNING: LSF_DOCKER_VOLUME: unknown; did you mean LSF_DOCKER_VOLUMES\?$/m);
    expect(r.stderr).toMatch(/^WARNING: LSF_DOCKER_VOLUMES: separate volumes with spaces, not commas/m);
    expect(r.exitCode).toBe(210);
    expect(r.stderr).toMatch(/bsub -M: 4000 KB \(3\.9 MB\) is below docker's minimum of 6 MB/);
    expect(r.stdout).not.toMatch(/is submitted/);
  });
});

describe('one dispatcher per user', () => {
  const dispatchers = () =>
    spawnSync('pgrep', ['-u', String(user.uid), '-f', `lsf-docker --config ${config} dispatcher`], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter(Boolean);

  test('many pending jobs are records: one dispatcher; killed, the next command starts another; each job runs once', async () => {
    const log = `${work}/once.log`;
    const first = jobIdOf(await lsf(['bsub', '-x', `sleep 2; echo x >> ${log}`]));
    const ids = [first];
    for (let n = 0; n < 5; n++) ids.push(jobIdOf(await lsf(['bsub', `echo $LSB_JOBID >> ${log}`])));
    expect(dispatchers()).toHaveLength(1);
    const pid = Number(await readFile(`${stateDir}/host/user.${user.uid}/dispatcher.pid`, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await sleep(200);
    expect(dispatchers()).toHaveLength(0);
    const stats = await until(
      'every job ended',
      async () => snakemakeStatus('*'),
      (s) => ids.every((id) => ['DONE', 'EXIT'].includes(s[id] ?? '')),
    );
    expect(dispatchers()).toHaveLength(1);
    // The exclusive job ran on (its job outlives its dispatcher) and was adopted: its status is unknown.
    expect(stats[first]).toBe('EXIT');
    const ran = (await readFile(log, 'utf8')).trim().split('\n');
    expect(ran.filter((l) => l === 'x')).toHaveLength(1);
    expect(
      ran
        .filter((l) => l !== 'x')
        .map(Number)
        .sort(),
    ).toEqual(ids.slice(1).sort());
  });
});

describe('the secure deployment, with its own config', () => {
  test('the job starter runs through the sudo rule as the user; -M and bkill reach it through sudo', async () => {
    await prepareAttacks();
    const sudoConfig = await attackConfig(
      `[paths]\njob_tmp_root = ${stateDir}/jobtmp\n[job]\nterminate_interval = 10\n[local]\nstate_dir = ${stateDir}/host\nslots = 2\nstarter = sudo\ndispatcher_idle = 3\n[docker]\npull = missing\n`,
    );
    // The job's own environment crosses sudo's env_reset (the starter is `lsf-docker sudo docker_run`).
    const viaSudo = (args: string[]) =>
      runAs(TEST_USER, [program('lsf-docker'), '--config', sudoConfig, ...args], {
        cwd: work,
        timeout: 60_000,
        env: { MY_SETTING: 'kept across sudo' },
      });
    const r = await viaSudo([
      'bsub',
      '-K',
      '-a',
      DOCKER,
      '-M',
      '64M',
      '-o',
      'sudo.out',
      'id -u; cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo "$MY_SETTING"',
    ]);
    expect(r.exitCode).toBe(0);
    const out = (await readFile(`${work}/sudo.out`, 'utf8')).split('The output (if any) follows:\n\n')[1];
    expect(out).toBe(`${user.uid}\n${64 * 1024 * 1024}\nkept across sudo\n`);
    const id = jobIdOf(await viaSudo(['bsub', '-a', DOCKER, '-o', 'sudo-kill.out', 'sleep 1000']));
    const label = `lsf-docker.job=${id}`;
    await until(
      'the container',
      () => containersWithLabel(label),
      (c) => c.length === 1,
    );
    await sleep(500);
    const t0 = Date.now();
    await viaSudo(['bkill', String(id)]);
    await until(
      'the container gone',
      () => containersWithLabel(label),
      (c) => c.length === 0,
      9_000,
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    const killed = await until(
      'the -o file',
      () => readFile(`${work}/sudo-kill.out`, 'utf8').catch(() => ''),
      (t) => t !== '',
    );
    expect(killed).toMatch(/^TERM_OWNER: job killed by owner\.\nExited with exit code 130\.$/m);
  });
});

describe('the command names', () => {
  test('install_lsf_links links them; bsub, bjobs run as themselves; never over another bsub', async () => {
    const bin = await mkdtemp(path.join(STATE_DIR, 'links-'));
    await chmod(bin, 0o755);
    try {
      const lib = path.join(REPO, 'scripts', 'lib', 'lsf-links.sh');
      const sh = (extra: string) =>
        spawnSync('bash', ['-c', `source "$1" && ${extra}`, 'links', lib, INSTALL_PREFIX, bin], {
          encoding: 'utf8',
        });
      expect(sh('install_lsf_links "$2" "$3"').status).toBe(0);
      const q = await runAs(TEST_USER, [path.join(bin, 'bqueues')], { cwd: work });
      expect(q.stdout).toMatch(/^QUEUE_NAME +PRIO +STATUS/);
      const j = await runAs(TEST_USER, [path.join(bin, 'bjobs'), '-noheader', '-o', 'jobid', '-a'], {
        cwd: work,
      });
      expect(j.exitCode).toBe(0);
      await rm(path.join(bin, 'bsub'));
      await writeFile(path.join(bin, 'bsub'), '#!/bin/sh\n', { mode: 0o755 });
      const refused = sh('install_lsf_links "$2" "$3"');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/bsub exists and is not lsf-docker's link/);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
