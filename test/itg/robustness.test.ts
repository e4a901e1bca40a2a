/**
 * docker_run on its bad days, against the real daemon, as the unprivileged test users: LSF's
 * bkill sequence, jobs that ignore SIGTERM, killed wrappers, OOM, dead and hung daemons,
 * failing registries, and many jobs at once, with nothing left behind.
 */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { docker, REGISTRY } from './helpers/docker.js';
import {
  dockerRun,
  ITG_TMP_ROOT,
  itgConfig,
  leftoverContainers,
  privateDirs,
  spawnDockerRun,
} from './helpers/job.js';
import { programArgv, sweepArgv, throughSudo, wrapperPid } from './helpers/mode.js';
import { runAs } from './helpers/run-as.js';
import { TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const user2 = userInfo(TEST_USER2);
const INTERVAL = 2;
let config: string;
let work: string;

beforeAll(async () => {
  config = await itgConfig(`[job]\nterminate_interval = ${INTERVAL}\n`);
  work = await userDir(TEST_USER, 'robust');
});
afterAll(cleanupWorkspace);

async function containerOfWrapper(pid: number): Promise<string | undefined> {
  const r = await docker(['ps', '--filter', `label=lsf-docker.pid=${pid}`, '--format', '{{.Names}}']);
  return r.stdout.trim() || undefined;
}

async function waitForContainer(pid: number, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const name = await containerOfWrapper(pid);
    if (name) return name;
    await sleep(100);
  }
  throw new Error(`no container for wrapper ${pid} after ${timeoutMs} ms`);
}

/** The wrapper was SIGKILLed: the signal itself (run directly) or 128+9 passed up by sudo. */
const killedBy9 = (r: { signal?: string; exitCode?: number }) => r.signal === 'SIGKILL' || r.exitCode === 137;

async function containerExists(name: string): Promise<boolean> {
  return (await docker(['container', 'inspect', name])).exitCode === 0;
}

describe("LSF's signals", () => {
  test('the bkill sequence (SIGINT, SIGTERM, SIGKILL to the process group): traps run, nothing outlives it', async () => {
    const job = spawnDockerRun(
      TEST_USER,
      [
        'trap "echo INT-trapped >> trap.log" INT; trap "echo TERM-trapped >> trap.log" TERM; while :; do sleep 0.1; done',
      ],
      { cwd: work, config },
    );
    const name = await waitForContainer(await wrapperPid(TEST_USER, job));
    await sleep(300);
    job.kill('SIGINT');
    await sleep(INTERVAL * 1000);
    job.kill('SIGTERM');
    await sleep(INTERVAL * 1000);
    job.kill('SIGKILL');
    const result = await job.result;
    // The wrapper ended by itself (container removed before SIGKILL could arrive).
    expect(result.signal).toBeUndefined();
    expect(readFileSync(`${work}/trap.log`, 'utf8')).toBe('INT-trapped\nTERM-trapped\n');
    expect(await containerExists(name)).toBe(false);
    expect(privateDirs(user.uid)).toEqual([]);
  });

  test('a job that ignores SIGTERM is gone within the interval plus one second', async () => {
    const job = spawnDockerRun(TEST_USER, ['trap "" INT TERM; while :; do sleep 0.1; done'], {
      cwd: work,
      config,
    });
    const name = await waitForContainer(await wrapperPid(TEST_USER, job));
    const sent = Date.now();
    job.kill('SIGTERM');
    const result = await job.result;
    const elapsed = (Date.now() - sent) / 1000;
    expect(elapsed).toBeLessThanOrEqual(INTERVAL + 1);
    expect(result.exitCode).toBe(137);
    expect(await containerExists(name)).toBe(false);
    expect(privateDirs(user.uid)).toEqual([]);
  });

  test('SIGTERM during start-up: the job ends as killed, no container is started, nothing is left', async () => {
    // The early delays land while the user-side step writes the snapshot, the later ones while
    // docker_run reads it as the user (the signal also kills that reader) or checks the image.
    for (const delay of [0, 20, 50, 100, 140, 200, 300]) {
      const job = spawnDockerRun(TEST_USER, ['echo STARTED; sleep 30'], { cwd: work, config });
      await sleep(delay);
      job.kill('SIGTERM');
      const result = await job.result;
      // Either the wrapper ended the job itself (143) or, killed before Node set up, by the signal.
      const killed = result.exitCode === 143 || result.signal === 'SIGTERM';
      expect({ delay, killed, stderr: result.stderr }).toEqual({ delay, killed: true, stderr: '' });
      expect(await containerOfWrapper(job.pid)).toBeUndefined();
    }
    await sleep(300);
    expect(privateDirs(user.uid)).toEqual([]);
    expect(await leftoverContainers(user.uid)).toEqual([]);
  });

  test('SIGUSR1 reaches the job; SIGTSTP pauses and SIGCONT resumes the container', async () => {
    const job = spawnDockerRun(
      TEST_USER,
      [
        'trap "echo usr1 >> sig.log" USR1; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo done >> sig.log',
      ],
      { cwd: work, config },
    );
    const name = await waitForContainer(await wrapperPid(TEST_USER, job));
    await sleep(300);
    job.kill('SIGUSR1');
    await sleep(500);
    job.kill('SIGTSTP');
    await sleep(700);
    const paused = await docker(['inspect', '--format', '{{.State.Paused}}', name]);
    expect(paused.stdout.trim()).toBe('true');
    job.kill('SIGCONT');
    await sleep(500);
    const resumed = await docker(['inspect', '--format', '{{.State.Paused}}', name]);
    expect(resumed.stdout.trim()).toBe('false');
    const result = await job.result;
    expect(result.exitCode).toBe(0);
    expect(readFileSync(`${work}/sig.log`, 'utf8')).toBe('usr1\ndone\n');
  });
});

describe('killed wrappers', () => {
  test('SIGKILL to the wrapper alone: the container outlives it, sweep removes it, a live job survives', async () => {
    const orphan = spawnDockerRun(TEST_USER, ['sleep 300'], { cwd: work, config });
    const orphanPid = await wrapperPid(TEST_USER, orphan);
    const orphanName = await waitForContainer(orphanPid);
    const live = spawnDockerRun(TEST_USER, ['sleep 300'], { cwd: work, config });
    const liveName = await waitForContainer(await wrapperPid(TEST_USER, live));
    process.kill(orphanPid, 'SIGKILL');
    // The orphaned docker CLI still holds the job's stdout, so the result settles only once the
    // container is gone: do not wait for it here.
    await sleep(500);
    expect(await containerExists(orphanName)).toBe(true);
    expect(privateDirs(user.uid)).toHaveLength(2);

    const sweep = await runAs(TEST_USER, sweepArgv(TEST_USER, config));
    expect(sweep.exitCode).toBe(0);
    expect(sweep.stdout).toContain(`removed container ${orphanName}`);
    expect(await containerExists(orphanName)).toBe(false);
    expect(await containerExists(liveName)).toBe(true);
    expect(privateDirs(user.uid)).toHaveLength(1);

    expect(killedBy9(await orphan.result)).toBe(true);
    live.kill('SIGTERM');
    await live.result;
    expect(await containerExists(liveName)).toBe(false);
    expect(privateDirs(user.uid)).toEqual([]);
  });

  test('SIGKILL to the whole job (bkill -s KILL): no environment snapshot is left in /tmp; sweep removes the container', async () => {
    const snapshots = () => readdirSync('/tmp').filter((n) => n.startsWith(`lsf-docker-env.${user.uid}.`));
    const before = new Set(snapshots());
    const job = spawnDockerRun(TEST_USER, ['sleep 300'], { cwd: work, config });
    const name = await waitForContainer(await wrapperPid(TEST_USER, job));
    await sleep(300);
    job.kill('SIGKILL'); // the process group: the user-side step, sudo, docker_run
    expect(killedBy9(await job.result)).toBe(true);
    // Through the rule the snapshot was the user-side step's to remove, which SIGKILL prevents:
    // docker_run removed it (as the user) once it had read it.
    expect(snapshots().filter((n) => !before.has(n))).toEqual([]);
    const sweep = await runAs(TEST_USER, sweepArgv(TEST_USER, config));
    expect(sweep.stdout).toContain(`removed container ${name}`);
    expect(await containerExists(name)).toBe(false);
  });

  test("the user's next docker_run sweeps what a killed wrapper left; another user's leftovers are not touched", async () => {
    const orphan = spawnDockerRun(TEST_USER, ['sleep 300'], { cwd: work, config });
    const orphanPid = await wrapperPid(TEST_USER, orphan);
    const orphanName = await waitForContainer(orphanPid);
    process.kill(orphanPid, 'SIGKILL');
    await sleep(500);
    const other = await runAs(
      TEST_USER2,
      programArgv(TEST_USER2, 'docker_run', ['--config', config, 'true']),
      {
        env: { LS_SUBCWD: user2.home, LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox' },
      },
    );
    expect(other.exitCode).toBe(0);
    expect(await containerExists(orphanName)).toBe(true);
    const next = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'INFO' },
    });
    expect(next.exitCode).toBe(0);
    expect(next.stderr).toContain(`swept container ${orphanName}`);
    expect(await containerExists(orphanName)).toBe(false);
    expect(killedBy9(await orphan.result)).toBe(true);
    expect(privateDirs(user.uid)).toEqual([]);
  });
});

describe('forged leftovers', () => {
  test("a planted owner record cannot make a user's sweep remove another user's container", async () => {
    const victim = spawnDockerRun(TEST_USER2, ['sleep 300'], { config, cwd: user2.home });
    const victimName = await waitForContainer(await wrapperPid(TEST_USER2, victim));
    // lsfd-test plants a private dir of its own whose record names the victim's container.
    const planted = `${ITG_TMP_ROOT}/lsf-docker.${user.uid}.PLANT1`;
    const record = {
      pid: 999_999,
      host: (await import('node:os')).hostname(),
      uid: user.uid,
      container: victimName,
    };
    await runAs(TEST_USER, ['sh', '-c', `mkdir -m 700 ${planted} && cat > ${planted}/owner.json`], {
      input: JSON.stringify(record),
    });
    const sweep = await runAs(TEST_USER, sweepArgv(TEST_USER, config));
    expect(sweep.exitCode).toBe(0);
    expect(await containerExists(victimName)).toBe(true);
    // Through the rule, root's sweep never reads nor removes a dir the user could change: it stays.
    expect(privateDirs(user.uid)).toEqual(throughSudo(TEST_USER) ? [path.basename(planted)] : []);
    rmSync(planted, { recursive: true, force: true });
    victim.kill('SIGTERM');
    await victim.result;
    expect(await containerExists(victimName)).toBe(false);
  });
});

describe('memory', () => {
  test('a job that allocates past its memory limit ends with the memory message and 137', async () => {
    const small = await itgConfig('[resources]\nmemory = 32m\n');
    const r = await dockerRun(TEST_USER, ['a=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], {
      cwd: work,
      config: small,
    });
    expect(r.exitCode).toBe(137);
    expect(r.stdout).not.toContain('survived');
    expect(r.stderr).toContain('job killed: out of memory (container memory limit 32m)');
    expect(privateDirs(user.uid)).toEqual([]);
  });
});

describe('daemon and registry faults', () => {
  let hangDir: string;
  let hangServer: Server;
  const hungSockets = new Set<Socket>();
  beforeAll(async () => {
    hangDir = mkdtempSync('/var/lib/lsf-docker-test/hang-');
    chmodSync(hangDir, 0o755);
    hangServer = createServer((socket) => {
      // accept and never answer: a hung daemon
      hungSockets.add(socket);
      socket.on('close', () => hungSockets.delete(socket));
    });
    await new Promise<void>((resolve) => hangServer.listen(`${hangDir}/docker.sock`, resolve));
    chmodSync(`${hangDir}/docker.sock`, 0o777);
  });
  afterAll(async () => {
    for (const socket of hungSockets) socket.destroy();
    await new Promise((resolve) => hangServer.close(resolve));
    rmSync(hangDir, { recursive: true, force: true });
  });

  test('an unreachable daemon: its own code and one line, nothing left', async () => {
    const cfg = await itgConfig('[docker]\nhost = unix:///nonexistent/docker.sock\n');
    const r = await dockerRun(TEST_USER, ['true'], { cwd: work, config: cfg });
    expect(r.exitCode).toBe(215);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the docker daemon/);
    expect(privateDirs(user.uid)).toEqual([]);
  });

  test('a daemon that does not answer: the call times out with its own code', async () => {
    const cfg = await itgConfig(`[docker]\nhost = unix://${hangDir}/docker.sock\ntimeout = 2\n`);
    const started = Date.now();
    const r = await dockerRun(TEST_USER, ['true'], { cwd: work, config: cfg });
    expect(r.exitCode).toBe(216);
    expect(r.stderr).toMatch(/within 2s: the docker daemon seems hung/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(privateDirs(user.uid)).toEqual([]);
  });

  describe('registry', () => {
    const dockerConfigDir = `${user2.home}/.docker`;
    const writeAuth = (password: string) => {
      mkdirSync(dockerConfigDir, { recursive: true, mode: 0o700 });
      const auth = Buffer.from(`${REGISTRY.user}:${password}`).toString('base64');
      writeFileSync(
        `${dockerConfigDir}/config.json`,
        JSON.stringify({ auths: { [REGISTRY.address]: { auth } } }),
        {
          mode: 0o600,
        },
      );
      chownSync(dockerConfigDir, user2.uid, user2.gid);
      chownSync(`${dockerConfigDir}/config.json`, user2.uid, user2.gid);
    };
    let pullAlways: string;
    let work2: string;
    beforeAll(async () => {
      pullAlways = await itgConfig('[docker]\npull = always\npull_retries = 2\npull_backoff = 0.2\n');
      work2 = await userDir(TEST_USER2, 'registry');
    });
    afterAll(() => rmSync(dockerConfigDir, { recursive: true, force: true }));

    test('with the right credentials the image is pulled and runs', async () => {
      writeAuth(REGISTRY.password);
      await docker(['rmi', REGISTRY.busybox]);
      const r = await dockerRun(TEST_USER2, ['echo pulled-and-ran'], {
        cwd: work2,
        config: pullAlways,
        image: REGISTRY.busybox,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('pulled-and-ran');
      expect(r.exitCode).toBe(0);
    });

    test('pull policy missing: an image not on the host is pulled, then runs, with no noise', async () => {
      writeAuth(REGISTRY.password);
      await docker(['rmi', REGISTRY.busybox]);
      const missing = await itgConfig('[docker]\npull = missing\n');
      const r = await dockerRun(TEST_USER2, ['echo ran-after-pull'], {
        cwd: work2,
        config: missing,
        image: REGISTRY.busybox,
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('ran-after-pull');
      expect(r.exitCode).toBe(0);
      // Present now: the next job starts without pulling.
      const again = await dockerRun(TEST_USER2, ['echo again'], {
        cwd: work2,
        config: missing,
        image: REGISTRY.busybox,
        env: { LSF_DOCKER_RUN_LOGLEVEL: 'INFO' },
      });
      expect(again.stdout).toBe('again');
      expect(again.stderr).not.toMatch(/pulling/);
    });

    test('an unknown image: its own code and docker reason', async () => {
      writeAuth(REGISTRY.password);
      const r = await dockerRun(TEST_USER2, ['true'], {
        cwd: work2,
        config: pullAlways,
        image: `${REGISTRY.address}/lsfd/does-not-exist:1`,
      });
      expect(r.exitCode).toBe(217);
      expect(r.stderr).toMatch(/pull: image 127\.0\.0\.1:5000\/lsfd\/does-not-exist:1 not found/);
      expect(privateDirs(user2.uid)).toEqual([]);
    });

    test('wrong credentials: its own code, no retries', async () => {
      writeAuth('not-the-password');
      const r = await dockerRun(TEST_USER2, ['true'], {
        cwd: work2,
        config: pullAlways,
        image: REGISTRY.busybox,
      });
      expect(r.exitCode).toBe(218);
      expect(r.stderr).toMatch(/registry refused our credentials/);
      expect(r.stderr).not.toMatch(/retrying/);
      expect(privateDirs(user2.uid)).toEqual([]);
    });

    test('a registry that is down: retried with backoff, then its own code', async () => {
      const r = await dockerRun(TEST_USER2, ['true'], {
        cwd: work2,
        config: pullAlways,
        image: '127.0.0.1:5999/lsfd/busybox:latest',
      });
      expect(r.exitCode).toBe(219);
      expect(r.stderr.match(/retrying in/g)).toHaveLength(2);
      expect(privateDirs(user2.uid)).toEqual([]);
    });
  });
});

describe('many jobs at once', () => {
  test('20 concurrent jobs by two users: each gets its own output and environment, nothing is left', async () => {
    const work2 = await userDir(TEST_USER2, 'many');
    const jobs = Array.from({ length: 20 }, (_, i) => {
      const who = i % 2 === 0 ? TEST_USER : TEST_USER2;
      return dockerRun(
        who,
        ['echo "job=$LSB_JOBID uid=$(id -u) secret=$(env | grep -c SECRET_)/$SECRET_ME"'],
        {
          cwd: who === TEST_USER ? work : work2,
          config,
          env: { LSB_JOBID: String(5000 + i), SECRET_ME: `s${i}` },
          timeout: 120_000,
        },
      ).then((r) => ({ i, who, r }));
    });
    const results = await Promise.all(jobs);
    for (const { i, who, r } of results) {
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(`job=${5000 + i} uid=${userInfo(who).uid} secret=1/s${i}`);
    }
    expect(privateDirs()).toEqual([]);
    expect(await leftoverContainers(user.uid)).toEqual([]);
    expect(await leftoverContainers(user2.uid)).toEqual([]);
  }, 180_000);
});
