/**
 * docker_run through the Engine API transport ([docker] transport = api) against the real
 * daemon, as the unprivileged test users: the job's identity and status, LSF's signals, the OOM
 * killer, an image pulled on first use, an interactive job's piped stdin, daemon faults; and the
 * create body compared with the one the real docker CLI sends for the same argv.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { jobFilesIn } from '../../lib/host/private-dir.js';
import { renderJobFiles } from '../../lib/job/artifacts.js';
import { dockerRunArgv } from '../../lib/runtime/docker/argv/run.js';
import { createBody } from '../../lib/runtime/docker-api/body/run.js';
import { withoutZeros } from '../unit/runtime/docker-api/cli-model.js';
import { JOBS, specOf } from '../unit/runtime/docker-api/jobs.js';
import {
  DOCKER_BIN,
  docker,
  dockerOk,
  IMAGES,
  makeDockerConfig,
  REGISTRY,
  registryDeleteTag,
} from './helpers/docker.js';
import { dockerRun, itgConfig, leftoverContainers, privateDirs, spawnDockerRun } from './helpers/job.js';
import { wrapperPid } from './helpers/mode.js';
import { DOCKER_GROUP_USER, TEST_USER, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const INTERVAL = 2;
let work: string;
let config: string;
let cliConfig: string;

const configText = (extra = '', transport = 'api') =>
  `[docker]\ntransport = ${transport}\n${extra}[job]\nterminate_interval = ${INTERVAL}\n`;

beforeAll(async () => {
  config = await itgConfig(configText());
  cliConfig = await itgConfig(configText('', 'cli'));
  work = await userDir(TEST_USER, 'engine-api');
});
afterAll(cleanupWorkspace);

async function expectNothingLeft(): Promise<void> {
  expect(privateDirs(user.uid)).toEqual([]);
  expect(await leftoverContainers(user.uid)).toEqual([]);
}

/** The container of the job S started (its docker_run's pid labels it), and that pid. */
async function containerOf(s: Parameters<typeof wrapperPid>[1], timeoutMs = 20_000) {
  const pid = await wrapperPid(TEST_USER, s);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await docker(['ps', '--filter', `label=lsf-docker.pid=${pid}`, '--format', '{{.Names}}']);
    if (r.stdout.trim()) return { name: r.stdout.trim(), pid };
    await sleep(100);
  }
  throw new Error(`no container for wrapper ${pid}`);
}

/** The command lines of PID's child processes. */
function childrenOf(pid: number): string[] {
  const ids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return ids.map((id) => {
    try {
      return `${id}: ${readFileSync(`/proc/${id}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
    } catch {
      return `${id}: (gone)`;
    }
  });
}

/** Waits (at most 10 s) until PID has no child process; fails naming those it still has. */
async function settledWithoutChildren(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (childrenOf(pid).length > 0 && Date.now() < deadline) await sleep(50);
  expect(childrenOf(pid)).toEqual([]);
}

const exists = async (name: string) => (await docker(['container', 'inspect', name])).exitCode === 0;

describe('a job through the Engine API', () => {
  test('runs as the user, with its output and exit status; DEBUG shows the argv and the API calls', async () => {
    const r = await dockerRun(TEST_USER, ['id -u; id -g; echo to-stderr >&2; exit 3'], {
      cwd: work,
      config,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'DEBUG' },
    });
    expect(r.exitCode).toBe(3);
    expect(r.stdout.split('\n')).toEqual([String(user.uid), String(user.gid)]);
    expect(r.stderr).toContain('to-stderr\n');
    expect(r.stderr).toMatch(/DEBUG: engine api: docker run --pull=never --rm --name=lsf_local_\d+ /);
    expect(r.stderr).toMatch(/DEBUG: api: POST \/v1\.\d+\/containers\/create\?name=lsf_local_\d+/);
    expect(r.stderr).not.toMatch(/DEBUG: exec: docker run/);
    await expectNothingLeft();
  });

  test('the same job through the CLI transport: the same output and status', async () => {
    const job = ['echo same; exit 4'];
    const api = await dockerRun(TEST_USER, job, { cwd: work, config });
    const cli = await dockerRun(TEST_USER, job, { cwd: work, config: cliConfig });
    expect([api.exitCode, api.stdout, api.stderr]).toEqual([4, 'same', '']);
    expect([cli.exitCode, cli.stdout, cli.stderr]).toEqual([4, 'same', '']);
  });

  test('a large output arrives whole and in order', async () => {
    const r = await dockerRun(TEST_USER, ['seq 1 200000'], { cwd: work, config });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(200000);
    expect(lines.at(-1)).toBe('200000');
  });

  test('interactive (bsub -I) with piped stdin: the job reads it to its end', async () => {
    const r = await dockerRun(TEST_USER, ['cat; echo "read: done"'], {
      cwd: work,
      config,
      env: { LSB_INTERACTIVE: 'Y' },
      input: 'line one\nline two\n',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('line one\nline two\nread: done');
    await expectNothingLeft();
  });

  test('an image without /bin/sh is named as the problem (220)', async () => {
    const r = await dockerRun(TEST_USER, ['true'], { cwd: work, config, image: IMAGES.nosh });
    expect(r.exitCode).toBe(220);
    expect(r.stderr).toMatch(/has no \/bin\/sh/);
    await expectNothingLeft();
  });
});

describe("LSF's signals through the API", () => {
  test('while the job runs the wrapper has no child process; SIGTERM: 143 and its container is gone', async () => {
    const job = spawnDockerRun(TEST_USER, ['sleep 60'], { cwd: work, config });
    const { name, pid } = await containerOf(job);
    try {
      // Start-up may still hold a short child (umount(8) taking the staging mounts down once the
      // container runs, in the secure mode); after it, none for as long as the job runs.
      await settledWithoutChildren(pid);
      await sleep(500);
      expect(childrenOf(pid)).toEqual([]);
    } finally {
      job.kill('SIGTERM');
    }
    const result = await job.result;
    expect(result.exitCode).toBe(143);
    expect(await exists(name)).toBe(false);
    await expectNothingLeft();
  });

  test('the bkill sequence (SIGINT, SIGTERM, SIGKILL to the process group): traps run, nothing outlives it', async () => {
    const job = spawnDockerRun(
      TEST_USER,
      [
        'trap "echo INT >> api-trap.log" INT; trap "echo TERM >> api-trap.log" TERM; while :; do sleep 0.1; done',
      ],
      { cwd: work, config },
    );
    const { name } = await containerOf(job);
    await sleep(300);
    job.kill('SIGINT');
    await sleep(INTERVAL * 1000);
    job.kill('SIGTERM');
    await sleep(INTERVAL * 1000);
    job.kill('SIGKILL');
    const result = await job.result;
    expect(result.signal).toBeUndefined();
    expect(readFileSync(`${work}/api-trap.log`, 'utf8')).toBe('INT\nTERM\n');
    expect(await exists(name)).toBe(false);
    await expectNothingLeft();
  });

  test('SIGTSTP pauses and SIGCONT resumes the container', async () => {
    const job = spawnDockerRun(TEST_USER, ['sleep 3'], { cwd: work, config });
    const { name } = await containerOf(job);
    job.kill('SIGTSTP');
    await sleep(700);
    expect((await dockerOk(['inspect', '--format', '{{.State.Paused}}', name])).trim()).toBe('true');
    job.kill('SIGCONT');
    await sleep(500);
    expect((await dockerOk(['inspect', '--format', '{{.State.Paused}}', name])).trim()).toBe('false');
    expect((await job.result).exitCode).toBe(0);
  });
});

describe('memory', () => {
  test('past its memory limit: 137 and the memory message', async () => {
    const small = await itgConfig(`${configText()}[resources]\nmemory = 32m\n`);
    const r = await dockerRun(TEST_USER, ['a=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'], {
      cwd: work,
      config: small,
    });
    expect(r.exitCode).toBe(137);
    expect(r.stdout).not.toContain('survived');
    expect(r.stderr).toContain('job killed: out of memory (container memory limit 32m)');
    await expectNothingLeft();
  });
});

describe('an image that is not on the host', () => {
  const repo = 'lsfd/api-busybox';
  const ref = `${REGISTRY.address}/${repo}:engine-api`;
  const dock = userInfo(DOCKER_GROUP_USER);
  const dockDocker = `${dock.home}/.docker`;
  let rootConfig: string;
  beforeAll(async () => {
    rootConfig = await makeDockerConfig({ login: true });
    await dockerOk(['tag', IMAGES.busybox, ref]);
    await dockerOk(['push', ref], { env: { DOCKER_CONFIG: rootConfig } });
    await dockerOk(['rmi', ref]);
    mkdirSync(dockDocker, { recursive: true, mode: 0o700 });
    const auth = Buffer.from(`${REGISTRY.user}:${REGISTRY.password}`).toString('base64');
    writeFileSync(`${dockDocker}/config.json`, JSON.stringify({ auths: { [REGISTRY.address]: { auth } } }), {
      mode: 0o600,
    });
    chownSync(dockDocker, dock.uid, dock.gid);
    chownSync(`${dockDocker}/config.json`, dock.uid, dock.gid);
  });
  afterAll(async () => {
    await docker(['rmi', ref]);
    await registryDeleteTag(repo, 'engine-api');
    rmSync(rootConfig, { recursive: true, force: true });
    rmSync(dockDocker, { recursive: true, force: true });
  });

  test('pull policy missing: the create finds no image, it is pulled (by the CLI), created again, and runs', async () => {
    const r = await dockerRun(DOCKER_GROUP_USER, ['echo ran-after-pull'], {
      cwd: dock.home,
      config,
      image: ref,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'INFO' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('ran-after-pull');
    expect(r.stderr).toContain(`image ${ref} is not on this host: pulling it`);
    expect(r.stderr).not.toMatch(/No such image|Unable to find/);
    const again = await dockerRun(DOCKER_GROUP_USER, ['echo again'], {
      cwd: dock.home,
      config,
      image: ref,
      env: { LSF_DOCKER_RUN_LOGLEVEL: 'INFO' },
    });
    expect([again.exitCode, again.stdout]).toEqual([0, 'again']);
    expect(again.stderr).not.toMatch(/pulling/);
  });

  test('pull policy never: 217 with the daemon reason, one line', async () => {
    const never = await itgConfig(configText('pull = never\n'));
    const r = await dockerRun(TEST_USER, ['true'], {
      cwd: work,
      config: never,
      image: `${REGISTRY.address}/${repo}:absent`,
    });
    expect(r.exitCode).toBe(217);
    expect(r.stderr.trim().split('\n')).toEqual([
      `docker_run: image: image ${REGISTRY.address}/${repo}:absent is not on this host (pull policy never): No such image: ${REGISTRY.address}/${repo}:absent`,
    ]);
    await expectNothingLeft();
  });
});

describe('daemon faults', () => {
  let hangDir: string;
  let server: Server;
  const held = new Set<Socket>();
  beforeAll(async () => {
    hangDir = mkdtempSync('/var/lib/lsf-docker-test/hang-api-');
    chmodSync(hangDir, 0o755);
    server = createServer((s) => {
      held.add(s);
      s.on('close', () => held.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(`${hangDir}/docker.sock`, resolve));
    chmodSync(`${hangDir}/docker.sock`, 0o777);
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(hangDir, { recursive: true, force: true });
  });

  test('no daemon at the socket: 215 and one line', async () => {
    const cfg = await itgConfig(configText('host = unix:///nonexistent/docker.sock\n'));
    const r = await dockerRun(TEST_USER, ['true'], { cwd: work, config: cfg });
    expect(r.exitCode).toBe(215);
    expect(r.stderr.trim().split('\n')).toEqual([
      'docker_run: docker: cannot reach the docker daemon at unix:///nonexistent/docker.sock: connect ENOENT /nonexistent/docker.sock',
    ]);
    await expectNothingLeft();
  });

  test('a daemon that never answers: the watchdog ends it with 216', async () => {
    const cfg = await itgConfig(configText(`host = unix://${hangDir}/docker.sock\ntimeout = 2\n`));
    const started = Date.now();
    const r = await dockerRun(TEST_USER, ['true'], { cwd: work, config: cfg });
    expect(r.exitCode).toBe(216);
    expect(r.stderr).toMatch(/within 2s: the docker daemon seems hung/);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectNothingLeft();
  });
});

describe('the dry run does not depend on the transport', () => {
  test('the same plan (the docker run argv) through api and cli', async () => {
    const args = ['--dry-run'];
    const api = await dockerRun(TEST_USER, ['echo hi'], { cwd: work, config, args });
    const cli = await dockerRun(TEST_USER, ['echo hi'], { cwd: work, config: cliConfig, args });
    const plan = (stdout: string) => {
      const p = JSON.parse(stdout);
      // What differs from one job to the next: its name and pid, the user-side step's snapshot file.
      const each = (t: string) =>
        t.replace(/lsf_local_\d+|lsf-docker\.pid=\d+|lsf-docker-env\.\d+\.\w+/g, 'X');
      return { ...p, run: p.run.map(each), decisions: p.decisions.map(each) };
    };
    expect(plan(api.stdout)).toEqual(plan(cli.stdout));
  });
});

describe('the create body is the one the docker CLI sends', () => {
  let dir: string;
  let recorder: Server;
  let bodies: string[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lsfd-cli-recorder-'));
    bodies = [];
    recorder = createServer((s) => {
      let buffer = '';
      s.on('data', (d: Buffer) => {
        buffer += d.toString();
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.slice(end + 4, end + 4 + length);
        buffer = buffer.slice(end + 4 + length);
        if (head.startsWith('HEAD /_ping') || head.startsWith('GET /_ping')) {
          s.write('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nContent-Length: 0\r\n\r\n');
        } else if (head.includes('/containers/create')) {
          bodies.push(body);
          // Refuse, so that the CLI stops there.
          s.end(
            'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"message":"stop"}\n\n',
          );
        } else {
          s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => recorder.listen(`${dir}/docker.sock`, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => recorder.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(Object.keys(JOBS).filter((name) => !name.includes('terminal')))('%s', async (name) => {
    const spec = specOf(JOBS[name]!);
    const files = jobFilesIn(`${dir}/job`);
    mkdirSync(files.dir, { recursive: true });
    writeFileSync(files.env, renderJobFiles(spec).env);
    bodies.length = 0;
    const r = await execa(DOCKER_BIN, dockerRunArgv(spec, files), {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        DOCKER_CONFIG: dir,
        DOCKER_HOST: `unix://${dir}/docker.sock`,
      },
      extendEnv: false,
      reject: false,
      input: '',
      timeout: 20_000,
    });
    expect(r.stderr).toContain('stop');
    expect(bodies).toHaveLength(1);
    const cli = JSON.parse(bodies[0]!);
    // What only the CLI's client side reads: the cidfile it writes (its name is passed on unread).
    expect(withoutZeros(createBody(spec, files))).toEqual(withoutZeros(cli));
  });
});
