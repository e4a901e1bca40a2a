/**
 * The Slurm back-end against the real three-node cluster on this host (scripts/slurm.sh), as the
 * unprivileged test user: an array of three on several nodes, each in its own container as the
 * user, exit codes in bjobs, -o files; bsub -K's status; -I; a two-node job (one container per
 * node, the host list inside) ended by bkill the LSF way (the trap runs, nothing is left); a killed
 * slurmd whose container `lsf-docker sweep` removes after asking Slurm; refusals by name.
 * Figures (submit -> container running, bkill -> container gone) are printed to the console.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { docker, IMAGES } from './helpers/docker.js';
import { privateDirs } from './helpers/job.js';
import { sweepArgv } from './helpers/mode.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { describeResult, type RunResult, runAs } from './helpers/run-as.js';
import {
  ensureCluster,
  jobContainers,
  restoreCluster,
  SLURM_CONF,
  slurmAsRoot,
  slurmConfigText,
  slurmdPid,
} from './helpers/slurm.js';
import { TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const DOCKER = `docker(${IMAGES.busybox})`;
const submitted: number[] = [];
let config: string;
let work: string;
let jobTmp: string;
/** This file's own wrapper tmp root: the shared one holds other files' private dirs of the same user. */
let tmpRoot: string;

beforeAll(async () => {
  await ensureCluster();
  const state = await mkdtemp(path.join(STATE_DIR, 'slurm-'));
  await chmod(state, 0o755);
  jobTmp = path.join(state, 'jobtmp');
  tmpRoot = path.join(state, 'tmp-root');
  for (const dir of [jobTmp, tmpRoot]) {
    await mkdir(dir);
    await chmod(dir, 0o1777);
  }
  config = await writeConfig(
    `[paths]\ntmp_root = ${tmpRoot}\njob_tmp_root = ${jobTmp}\n[job]\nterminate_interval = 10\n${slurmConfigText()}`,
  );
  work = await userDir(TEST_USER, 'slurm');
});

afterAll(async () => {
  if (submitted.length > 0) await slurmAsRoot(['scancel', ...submitted.map(String)]);
  for (const id of submitted) for (const c of await jobContainers(id)) await docker(['rm', '-f', c]);
  await cleanupWorkspace();
  await rm(path.dirname(jobTmp), { recursive: true, force: true });
  await restoreCluster();
});

const lsf = (args: string[], opts: { input?: string; timeout?: number; config?: string } = {}) =>
  runAs(TEST_USER, [program('lsf-docker'), '--config', opts.config ?? config, ...args], {
    cwd: work,
    input: opts.input,
    timeout: opts.timeout ?? 60_000,
    // The submitter's own variable: it reaches the job across sudo's env_reset ([slurm] starter = sudo).
    env: { MY_SETTING: 'kept across sudo' },
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** bsub ARGS: the job id of `Job <N> is submitted to queue <debug>.` */
async function submit(args: string[]): Promise<number> {
  const r = await lsf(['bsub', ...args]);
  const m = /^Job <(\d+)> is submitted to queue <debug>\.$/m.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new Error(describeResult(r));
  submitted.push(Number(m[1]));
  return Number(m[1]);
}

interface Row {
  stat: string;
  exec: string;
  name: string;
}

/** bjobs -a ID as rows (the table's STAT, EXEC_HOST and JOB_NAME columns). */
async function rows(id: number): Promise<Row[]> {
  const r = await lsf(['bjobs', '-a', String(id)]);
  return r.stdout
    .split('\n')
    .slice(1)
    .filter((l) => l.startsWith(`${id} `))
    .map((l) => {
      // JOBID USER STAT QUEUE FROM_HOST [EXEC_HOST] JOB_NAME (may hold spaces) MON DAY HH:MM
      const f = l.trim().split(/\s+/);
      const exec = /^(\d+\*)?n[\d[]/.test(f[5] ?? '') ? f[5]! : '';
      return { stat: f[2]!, exec, name: f.slice(exec ? 6 : 5, -3).join(' ') };
    });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const finished = (id: number, count: number) =>
  until(`job ${id} to finish`, async () => {
    const r = await rows(id);
    return r.length === count && r.every((x) => x.stat === 'DONE' || x.stat === 'EXIT') ? r : undefined;
  });

const running = async (id: number, containers: number) =>
  until(`${containers} running container(s) of job ${id}`, async () => {
    const r = await docker(['ps', '--filter', `label=lsf-docker.job=${id}`, '--format', '{{.Names}}']);
    const names = r.stdout.split('\n').filter((l) => l !== '');
    return names.length >= containers ? names : undefined;
  });

/** Nothing of the user's jobs left: no container of the job, no private dir, no job tmpdir. */
async function nothingLeft(id: number): Promise<void> {
  expect(await jobContainers(id)).toEqual([]);
  expect(privateDirs(user.uid, tmpRoot)).toEqual([]);
  expect(await readdir(jobTmp)).toEqual([]);
}

const output = (file: string) => readFile(path.join(work, file), 'utf8');
const figure = (text: string) => process.stdout.write(`slurm figure: ${text}\n`);

describe('lsf-docker on Slurm', () => {
  test('the array of three: outputs from several nodes, each the user in a container, exit 3 in bjobs', async () => {
    const t0 = Date.now();
    const id = await submit([
      '-J',
      'a[1-3]',
      '-o',
      'out.%J_%I',
      '-a',
      DOCKER,
      'hostname; id; echo "setting: $MY_SETTING"; exit 3',
    ]);
    const submitMs = Date.now() - t0;
    const done = await finished(id, 3);
    figure(
      `bsub of a 3-element array returned in ${submitMs} ms; all 3 finished ${Date.now() - t0} ms after bsub`,
    );
    expect(done.map((r) => [r.stat, r.name])).toEqual([
      ['EXIT', 'a[1]'],
      ['EXIT', 'a[2]'],
      ['EXIT', 'a[3]'],
    ]);
    expect(new Set(done.map((r) => r.exec)).size).toBeGreaterThanOrEqual(2);
    for (const index of [1, 2, 3]) {
      const text = await output(`out.${id}_${index}`);
      expect(text).toContain(`uid=${user.uid}(${TEST_USER}) gid=${user.gid}(${TEST_USER})`);
      expect(text).toMatch(/^setting: kept across sudo$/m);
    }
    const long = await lsf(['bjobs', '-l', String(id)]);
    expect(long.stdout.match(/: Exited with exit code 3\./g)).toHaveLength(3);
    expect(long.stdout).toContain(`Output File <${work}/out.${id}_2>`);
    await nothingLeft(id);
  });

  test('bsub -K exits with the job status; -M becomes the container memory limit', async () => {
    const t0 = Date.now();
    const r = await lsf([
      'bsub',
      '-K',
      '-M',
      '300M',
      '-o',
      'k.%J',
      '-a',
      DOCKER,
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; exit 7',
    ]);
    figure(`bsub -K of a job that exits at once: ${Date.now() - t0} ms`);
    expect(r.exitCode).toBe(7);
    const id = Number(/Job <(\d+)>/.exec(r.stdout)?.[1]);
    submitted.push(id);
    expect(r.stderr).toMatch(/<<Waiting for dispatch \.\.\.>>\n<<Starting on n\d>>\n<<Job is finished>>/);
    expect(await output(`k.${id}`)).toContain(String(300 * 1024 * 1024));
  });

  test('bsub -I: the terminal is the job, LSF messages on stderr, its status', async () => {
    const r = await lsf(['bsub', '-I', '-a', DOCKER, 'read x; echo got=$x; echo to-stderr >&2; exit 4'], {
      input: 'hello\n',
    });
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toBe('got=hello');
    expect(r.stderr).toMatch(
      /^(?:esub\.docker: note: [^\n]*\n)*Job <\d+> is submitted to queue <debug>\.\n<<Waiting for dispatch \.\.\.>>\n<<Starting on n\d>>\n/,
    );
    expect(r.stderr).toContain('to-stderr');
    expect(r.stderr).not.toMatch(/^srun: /m);
    submitted.push(Number(/Job <(\d+)>/.exec(r.stderr)?.[1]));
  });

  test('a two-node job: one container per node with the host list; bkill runs the trap on both and leaves nothing', async () => {
    const t0 = Date.now();
    // span[ptile=2]: two slots per node, so over exactly two nodes whatever else the cluster runs.
    const id = await submit([
      '-n',
      '4',
      '-R',
      'span[ptile=2]',
      '-o',
      'mn.%J',
      '-a',
      DOCKER,
      'trap "echo trapped on $SLURMD_NODENAME; exit 5" TERM; echo "on $SLURMD_NODENAME hosts=$LSB_HOSTS mcpu=$LSB_MCPU_HOSTS"; while :; do sleep 1; done',
    ]);
    const names = await running(id, 2);
    figure(`submit -> both containers of a 2-node job running: ${Date.now() - t0} ms`);
    expect(names).toHaveLength(2);
    const started = await until('both nodes to report', async () => {
      const text = await output(`mn.${id}`).catch(() => '');
      return (text.match(/^on n\d /gm) ?? []).length === 2 ? text : undefined;
    });
    const [a, b] = [...started.matchAll(/^on (n\d) hosts=(.*) mcpu=(.*)$/gm)].map((m) => m.slice(1));
    expect(a![0]).not.toBe(b![0]);
    for (const [, hosts, mcpu] of [a!, b!]) {
      expect(hosts!.split(' ')).toHaveLength(4);
      expect(mcpu).toMatch(/^n\d 2 n\d 2$/);
    }
    const k0 = Date.now();
    const kill = await lsf(['bkill', String(id)]);
    expect(kill.stdout).toBe(`Job <${id}> is being terminated`);
    await until('the containers to go', async () =>
      (await jobContainers(id)).length === 0 ? true : undefined,
    );
    figure(`bkill -> both containers gone: ${Date.now() - k0} ms (the trap waits for its sleep 1)`);
    const [row] = await finished(id, 1);
    expect(row!.stat).toBe('EXIT');
    const text = await output(`mn.${id}`);
    expect(text).toContain(`trapped on ${a![0]}`);
    expect(text).toContain(`trapped on ${b![0]}`);
    expect((await lsf(['bjobs', '-l', String(id)])).stdout).toMatch(/Exited with exit code 5\. \(TERM_OWNER/);
    await nothingLeft(id);
  });

  test('a killed slurmd: Slurm ends the job (NODE_FAIL), sweep asks Slurm and removes the container', async () => {
    const id = await submit(['-o', 'long.%J', '-a', DOCKER, 'echo peek-me; sleep 300']);
    const [name] = await running(id, 1);
    const peek = await until('bpeek to show the output', async () => {
      const r = await lsf(['bpeek', String(id)]);
      return r.stdout.includes('peek-me') ? r : undefined;
    });
    expect(peek.stdout).toBe('<< output from stdout >>\npeek-me');
    const [row] = await rows(id);
    const node = row!.exec;
    expect(node).toMatch(/^n\d$/);
    try {
      process.kill(slurmdPid(node), 'SIGKILL');
      // What slurmctld does SlurmdTimeout (60 s) later, at once: the node is down, its jobs end.
      expect(
        (await slurmAsRoot(['scontrol', 'update', `NodeName=${node}`, 'State=DOWN', 'Reason=lsfd-itg']))
          .exitCode,
      ).toBe(0);
      const [ended] = await finished(id, 1);
      expect(ended!.stat).toBe('EXIT');
      expect((await lsf(['bjobs', '-l', String(id)])).stdout).toContain('NODE_FAIL');
      expect(await jobContainers(id)).toEqual([name]); // docker_run lives: pid liveness alone keeps it
      const s0 = Date.now();
      // The user's sweep goes through the rule in the secure mode (sudo -n lsf-docker sweep).
      const sweep = await runAs(TEST_USER, sweepArgv(TEST_USER, config), { cwd: work, timeout: 60_000 });
      figure(`sweep after the node failure: ${Date.now() - s0} ms`);
      expect(sweep.stdout).toContain(`removed container ${name}`);
      expect(sweep.exitCode).toBe(0);
      await until('docker_run to clean up', async () =>
        privateDirs(user.uid, tmpRoot).length === 0 && (await readdir(jobTmp)).length === 0
          ? true
          : undefined,
      );
      await nothingLeft(id);
    } finally {
      await restoreCluster();
    }
    const sinfo = await slurmAsRoot(['sinfo', '-h', '-N', '-o', '%N %T']);
    expect(sinfo.stdout.split('\n').every((l) => / (idle|mixed|allocated)$/.test(l))).toBe(true);
  });

  test("refusals name the option; Slurm's own failures are 229; unknown jobs as LSF says", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['-G', 'lab', 'true'], 210, /^lsf-docker: bsub -G lab: LSF user groups have no Slurm equivalent/],
      [
        ['-gpu', 'num=1:mode=shared', 'true'],
        210,
        /bsub -gpu "num=1:mode=shared": "mode=shared" has no Slurm equivalent/,
      ],
      [
        ['-R', 'select[port8000=1]', 'true'],
        210,
        /bsub -R "select\[port8000=1\]": select\[port8000=1\]: host selection/,
      ],
      [
        ['-a', 'docker_exec(12)', 'true'],
        210,
        /bsub -a docker_exec\(\.\.\.\): the target job's container is on that job's node/,
      ],
      [
        ['-q', 'nosuch', 'true'],
        229,
        /^lsf-docker: sbatch: Batch job submission failed: Invalid partition name specified \(exit 1\)$/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const r: RunResult = await lsf(['bsub', ...args]);
      expect([r.exitCode, r.stderr]).toEqual([code, expect.stringMatching(message)]);
    }
    const noConf = await writeConfig(`${slurmConfigText().replace(SLURM_CONF, '/nonexistent/slurm.conf')}`);
    const t0 = Date.now();
    const r = await lsf(['bjobs'], { config: noConf });
    expect([r.exitCode, r.stderr]).toEqual([
      229,
      'lsf-docker: [slurm] conf: /nonexistent/slurm.conf does not exist: the Slurm cluster cannot be reached',
    ]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await lsf(['bjobs', '999999'])).toMatchObject({
      exitCode: 255,
      stderr: 'Job <999999> is not found',
    });
    expect(await lsf(['bkill', '999999'])).toMatchObject({
      exitCode: 255,
      stderr: 'Job <999999>: No matching job found',
    });
  });

  test("doctor checks KillWait against [job] terminate_interval (the test cluster's 15 s against 10 s)", async () => {
    const r = await lsf(['doctor']);
    expect(r.stdout).toMatch(
      /^ok {3}Slurm KillWait KillWait 15s, \[job\] terminate_interval 10s: the container is removed before Slurm's SIGKILL$/m,
    );
    const tight = await writeConfig(`[job]\nterminate_interval = 14\n${slurmConfigText()}`);
    expect((await lsf(['doctor'], { config: tight })).stdout).toMatch(
      /^FAIL Slurm KillWait KillWait 15s, \[job\] terminate_interval 14s: Slurm's SIGKILL can come before/m,
    );
  });
});
