/**
 * docker_run on podman, proven from inside the container: rootless as the user (the program runs
 * as lsfd-test), rootful as root acting for the user (the sudo rule), and docker beside them for
 * the same checks. Identity and groups, a file in the cwd, capabilities (and the chown attack),
 * no new privileges, exit statuses, signals, nothing left behind; then what only one engine has:
 * unenforceable limits (rootless cgroup v1), bkill through the local LSF, pause without a freezer,
 * sweep, exec (rootless), OOM from the kernel log (rootful).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { IMAGES } from './helpers/docker.js';
import { privateDirs, SYMLINK_ATTACK_STOPPED, symlinkAttackOutcome } from './helpers/job.js';
import { program, STATE_DIR } from './helpers/paths.js';
import {
  type Engine,
  type EngineName,
  makeEngines,
  ownTmpRoot,
  podmanAs,
  podmanContainers,
  sudoConfigDir,
} from './helpers/podman.js';
import { describeResult, runAs } from './helpers/run-as.js';
import { groupId, LAB_GROUP, TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const lab = groupId(LAB_GROUP);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let tmpRoot: string;
let sudoDir: ReturnType<typeof sudoConfigDir>;
let engines: Engine[];
let work: string;
/** Job ids of this file (the containers' lsf-docker.job label): unique per run. */
let nextJob = 700_000 + (process.pid % 1000) * 100;
const jobId = () => String(nextJob++);
const used: string[] = [];
const job = () => {
  const id = jobId();
  used.push(id);
  return id;
};

beforeAll(async () => {
  for (const store of [TEST_USER, 'root']) {
    const r = await podmanAs(store, ['image', 'exists', IMAGES.busybox]);
    if (r.exitCode !== 0) {
      throw new Error(
        `podman is not provisioned for ${store} (${IMAGES.busybox} not in its store): run \`bash scripts/provision.sh podman\`\n${describeResult(r)}`,
      );
    }
  }
  tmpRoot = ownTmpRoot('podman-tmp');
  sudoDir = sudoConfigDir();
  engines = await makeEngines(tmpRoot, sudoDir);
  work = await userDir(TEST_USER, 'podman');
});

afterAll(async () => {
  for (const id of used) {
    for (const store of [TEST_USER, 'root']) {
      const left = await podmanContainers(store, `lsf-docker.job=${id}`);
      if (left.length > 0) await podmanAs(store, ['rm', '--force', '--time=0', ...left]);
    }
  }
  sudoDir?.remove();
  rmSync(tmpRoot, { recursive: true, force: true });
  await cleanupWorkspace();
});

const engine = (name: EngineName) => engines.find((e) => e.name === name)!;

/** Nothing of job ID left: no container in the engine's store, no private dir under the tmp root. */
async function expectNothingLeft(e: Engine, id: string) {
  expect(await e.containers(TEST_USER, `lsf-docker.job=${id}`)).toEqual([]);
  expect(privateDirs(undefined, tmpRoot)).toEqual([]);
}

describe.each<EngineName>(['rootless podman', 'rootful podman', 'docker'])('%s', (name) => {
  test('id is the user with their groups, or a WARNING naming the groups it cannot keep; a file written to the cwd is theirs on the host', async () => {
    const id = job();
    const e = engine(name);
    const r = await e.run(TEST_USER, ['id; echo written > out-$LSB_JOBID'], {
      cwd: work,
      env: { LSB_JOBID: id },
    });
    expect(r.exitCode).toBe(0);
    const first = r.stdout.split('\n')[0];
    expect(first).toMatch(new RegExp(`^uid=${user.uid}\\(${user.name}\\) gid=${user.gid}\\(`));
    if (name === 'rootless podman') {
      expect(first).toBe(
        `uid=${user.uid}(${user.name}) gid=${user.gid}(${user.name}) groups=${user.gid}(${user.name})`,
      );
      expect(r.stderr).toMatch(
        new RegExp(
          `^docker_run: WARNING: rootless podman on cgroup v1 cannot give the job your host groups .*${LAB_GROUP}\\(${lab}\\): `,
          'm',
        ),
      );
    } else {
      expect(first).toContain(`${lab}(${LAB_GROUP})`);
      expect(r.stderr).not.toMatch(/WARNING/);
    }
    const st = statSync(path.join(work, `out-${id}`));
    expect([st.uid, st.gid]).toEqual([user.uid, user.gid]);
    await expectNothingLeft(e, id);
  });

  test("CapEff and CapAmb 0, NoNewPrivs 1 (the admin's cap_add notwithstanding); chown of a root file on the bind mount fails", async () => {
    const id = job();
    const e = engine(name);
    const victim = path.join(work, `root-owned-${id}`);
    writeFileSync(victim, 'root\n');
    chownSync(victim, 0, 0);
    chmodSync(victim, 0o644);
    const r = await e.run(
      TEST_USER,
      [
        `grep -E '^(CapEff|CapAmb|NoNewPrivs):' /proc/self/status; chown ${user.uid} ${victim}; echo chown=$?`,
      ],
      {
        cwd: work,
        env: { LSB_JOBID: id },
      },
    );
    expect(r.stdout.split('\n')).toEqual([
      'CapEff:\t0000000000000000',
      'CapAmb:\t0000000000000000',
      'NoNewPrivs:\t1',
      'chown=1',
    ]);
    expect(r.stderr).toMatch(/chown: .*: Operation not permitted/);
    expect(statSync(victim).uid).toBe(0);
  });

  test('exit 3 gives 3; death by SIGTERM gives 143', async () => {
    const e = engine(name);
    const three = await e.run(TEST_USER, ['exit 3'], { cwd: work, env: { LSB_JOBID: job() } });
    expect(three.exitCode).toBe(3);
    const term = await e.run(TEST_USER, ['kill -TERM $$; sleep 5'], { cwd: work, env: { LSB_JOBID: job() } });
    expect(term.exitCode).toBe(143);
  });

  test("SIGINT (bkill's first signal) runs the job's trap; SIGTERM ends an untrapping job with 143; nothing is left", async () => {
    const e = engine(name);
    const trapped = job();
    const out = path.join(work, `trap-${trapped}`);
    const a = e.spawn(
      TEST_USER,
      [`trap 'echo trapped > ${out}; exit 4' INT; echo up > ${out}; sleep 60 & wait`],
      {
        cwd: work,
        env: { LSB_JOBID: trapped },
      },
    );
    await waitFor(() => readText(out) === 'up\n');
    a.kill('SIGINT');
    const ra = await a.result;
    expect([ra.exitCode, readText(out)]).toEqual([4, 'trapped\n']);
    await expectNothingLeft(e, trapped);

    const plain = job();
    const started = path.join(work, `term-${plain}`);
    const b = e.spawn(TEST_USER, [`echo up > ${started}; sleep 60`], {
      cwd: work,
      env: { LSB_JOBID: plain },
    });
    await waitFor(() => readText(started) === 'up\n');
    const t0 = Date.now();
    b.kill('SIGTERM');
    const rb = await b.result;
    expect(rb.exitCode).toBe(143);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expectNothingLeft(e, plain);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function waitFor(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(100);
  }
}

describe.each<EngineName>(['rootless podman', 'rootful podman'])('%s: job control', (name) => {
  test('SIGTSTP stops the job (rootless: SIGSTOP to its processes, no freezer; rootful: podman pause), SIGCONT resumes it', async () => {
    const id = job();
    const ticks = path.join(work, `ticks-${id}`);
    const s = engine(name).spawn(
      TEST_USER,
      [`i=0; while true; do i=$((i+1)); echo $i > ${ticks}; sleep 0.1; done`],
      {
        cwd: work,
        env: { LSB_JOBID: id },
      },
    );
    await waitFor(() => Number(readText(ticks)) > 3);
    s.kill('SIGTSTP');
    await sleep(800);
    const stopped = readText(ticks);
    await sleep(1000);
    expect(readText(ticks)).toBe(stopped);
    s.kill('SIGCONT');
    await waitFor(() => Number(readText(ticks)) > Number(stopped) + 2);
    s.kill('SIGTERM');
    expect((await s.result).exitCode).toBe(143);
  });
});

describe('rootless podman only', () => {
  test('a memory limit on cgroup v1 is refused by default: one line naming the limits and the runtime, exit 228, nothing run', async () => {
    const refuse = await writeConfig(`[docker]\nengine = podman\n[paths]\ntmp_root = ${tmpRoot}\n`);
    const id = job();
    const r = await engine('rootless podman').run(TEST_USER, [`touch ran-${id}`], {
      cwd: work,
      config: refuse,
      env: { LSB_JOBID: id },
    });
    expect(r.exitCode).toBe(228);
    expect(r.stderr).toBe(
      'docker_run: [resources] unenforceable: rootless podman on cgroup v1 cannot enforce memory 4g, cpu shares 1024, pids limit 4096: the job is refused (the admin may set unenforceable = warn to run such jobs without them)',
    );
    expect(readText(path.join(work, `ran-${id}`))).toBeUndefined();
  });

  test('warned (unenforceable = warn): one WARNING line in the job output, and the job runs (no limit: 100 MB under a 32m "limit")', async () => {
    const warn = await writeConfig(
      `[docker]\nengine = podman\n[paths]\ntmp_root = ${tmpRoot}\n[resources]\nmemory = 32m\nunenforceable = warn\n`,
    );
    const r = await engine('rootless podman').run(
      TEST_USER,
      ['dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo dd=$?'],
      {
        cwd: work,
        config: warn,
        env: { LSB_JOBID: job() },
      },
    );
    expect([r.exitCode, r.stdout]).toEqual([0, 'dd=0']);
    const warnings = r.stderr.split('\n').filter((l) => /WARNING/.test(l));
    expect(warnings[0]).toBe(
      'docker_run: WARNING: rootless podman on cgroup v1 cannot enforce memory 32m, cpu shares 1024, pids limit 4096: the job runs without them ([resources] unenforceable = warn)',
    );
    expect(r.stderr).not.toMatch(/Resource limits are not supported/);
  });

  test('docker_exec runs as the user in the job container and passes the status; sweep removes what a killed wrapper left', async () => {
    const e = engine('rootless podman');
    const id = job();
    const up = path.join(work, `exec-${id}`);
    const s = e.spawn(TEST_USER, [`echo up > ${up}; sleep 60`], { cwd: work, env: { LSB_JOBID: id } });
    await waitFor(() => readText(up) === 'up\n');
    const ex = await runAs(TEST_USER, [program('docker_exec'), '--config', e.config, id, 'id -u; exit 5'], {
      cwd: work,
    });
    expect([ex.exitCode, ex.stdout]).toEqual([5, String(user.uid)]);

    process.kill(s.pid, 'SIGKILL'); // the wrapper only: its container and private dir stay
    await waitFor(() => !alive(s.pid));
    expect(await podmanContainers(TEST_USER, `lsf-docker.job=${id}`)).toHaveLength(1);
    expect(privateDirs(user.uid, tmpRoot)).toHaveLength(1);
    const sweep = await runAs(TEST_USER, [program('lsf-docker'), '--config', e.config, 'sweep'], {
      cwd: work,
    });
    expect(sweep.exitCode).toBe(0);
    expect(sweep.stdout).toMatch(new RegExp(`^removed container lsf_${id}_0_${s.pid}$`, 'm'));
    expect(sweep.stdout).toMatch(/^removed private dir /m);
    await s.result; // the run CLI (holding the output pipe) ended with its container
    await expectNothingLeft(e, id);
  });

  test('doctor: podman info as the user (no daemon): the store and cgroups it found', async () => {
    const r = await runAs(
      TEST_USER,
      [program('lsf-docker'), '--config', engine('rootless podman').config, 'doctor'],
      { cwd: work },
    );
    expect(r.stdout).toMatch(
      /^ok {3}docker daemon {2}podman \d+\.\d+\.\d+, overlay store, cgroup v1, rootless true \(podman\)$/m,
    );
  });

  test("bkill through the local LSF: the job's SIGINT trap runs, no container in podman ps -a, nothing under the tmp root", async () => {
    const state = ownTmpRoot('podman-lsf');
    for (const d of [`${state}/host`, `${state}/host/ids`, `${state}/host/locks`, `${state}/jobtmp`]) {
      execFileSync('install', ['-d', '-m', '1777', d]);
    }
    const config = await writeConfig(
      `[docker]\nengine = podman\n[resources]\nunenforceable = warn\n[paths]\ntmp_root = ${tmpRoot}\njob_tmp_root = ${state}/jobtmp\n[job]\nterminate_interval = 2\n[local]\nstate_dir = ${state}/host\nslots = 2\n`,
    );
    const lsf = (args: string[]) =>
      runAs(TEST_USER, [program('lsf-docker'), '--config', config, ...args], { cwd: work });
    try {
      const marker = `bkill-${process.pid}`;
      const sub = await lsf([
        'bsub',
        '-a',
        `docker(${IMAGES.busybox})`,
        '-o',
        `${marker}.out`,
        `trap 'echo trapped-INT; exit 4' INT; echo up > ${marker}.up; sleep 60 & wait`,
      ]);
      const id = /Job <(\d+)>/.exec(sub.stdout)?.[1];
      expect(id).toBeDefined();
      await waitFor(() => readText(path.join(work, `${marker}.up`)) === 'up\n');
      const k = await lsf(['bkill', id!]);
      expect(k.stdout).toBe(`Job <${id}> is being terminated`);
      let out = '';
      await waitFor(() => {
        out = readText(path.join(work, `${marker}.out`)) ?? '';
        return /Exited with exit code/.test(out);
      });
      expect(out).toMatch(/^trapped-INT$/m);
      expect(out).toMatch(/Exited with exit code 4\./);
      expect(await podmanContainers(TEST_USER, `lsf-docker.job=${id}`)).toEqual([]);
      expect(privateDirs(undefined, tmpRoot)).toEqual([]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('rootful podman only', () => {
  test("an image whose /home is a symlink into a volume: podman's overlay store is read, the job stopped, nothing made there", async () => {
    // The attack of test/itg/attacks/closure.test.ts on podman's own store: the runtime, as root,
    // would make the cwd's mount point through the image's /home, inside the volume on the host.
    const ctx = mkdtempSync('/tmp/lsfd-itg-podman-symimg-');
    writeFileSync(
      path.join(ctx, 'Containerfile'),
      `FROM localhost/${IMAGES.busybox}\nRUN rm -rf /home && ln -s /data/shared /home\n`,
    );
    const tag = `localhost/lsfd-itg-attack/symhome:${process.pid}`;
    const built = await podmanAs('root', ['build', '-q', '-t', tag, ctx], 120_000);
    if (built.exitCode !== 0) throw new Error(`podman build: ${describeResult(built)}`);
    const root = mkdtempSync(path.join(STATE_DIR, 'podman-shared-'));
    chmodSync(root, 0o755);
    const shared = path.join(root, 'shared');
    execFileSync('mkdir', ['-m', '0755', shared]);
    try {
      const conf = sudoDir.write(
        'symimg.conf',
        `[docker]\nengine = podman\n[paths]\ntmp_root = ${tmpRoot}\n[volumes]\nallow[] = ${root}\n`,
      );
      const id = job();
      const r = await engine('rootful podman').run(TEST_USER, ['echo JOB-RAN'], {
        cwd: work,
        config: conf,
        image: tag,
        env: { LSB_JOBID: id, LSF_DOCKER_VOLUMES: `${shared}:/data/shared` },
      });
      expect(symlinkAttackOutcome(r, readdirSync(shared))).toEqual(SYMLINK_ATTACK_STOPPED);
      await expectNothingLeft(engine('rootful podman'), id);
    } finally {
      await podmanAs('root', ['rmi', '-f', tag]);
      rmSync(ctx, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);

  test("an OOM kill is told from the kernel's log (podman reports none): 137 and one line", async () => {
    const oom = sudoDir.write(
      'oom.conf',
      `[docker]\nengine = podman\n[paths]\ntmp_root = ${tmpRoot}\n[resources]\nmemory = 32m\n`,
    );
    const id = job();
    const r = await engine('rootful podman').run(
      TEST_USER,
      ['dd if=/dev/zero of=/dev/null bs=100M count=1'],
      {
        cwd: work,
        config: oom,
        env: { LSB_JOBID: id },
      },
    );
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toMatch(/^docker_run: job killed: out of memory \(container memory limit 32m\)$/m);
    await expectNothingLeft(engine('rootful podman'), id);
  });
});
