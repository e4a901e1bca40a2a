/**
 * Trusted admin profiles against the real daemon, run as the unprivileged test users: a user in
 * the profile's group (lsfd-test, in lsfd-lab) gets exactly what the ALICE readout job needs and
 * proves it from inside the container (host ipc, host network, the kernel's modules read-only,
 * the O2 variables and nothing else); the fixed name replaces their own previous container and
 * never another user's; another user asking for the profile is refused before anything starts;
 * the profile is no way around the volume rules it does not widen.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { release } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { docker, dockerOk, IMAGES } from './helpers/docker.js';
import { type DockerRunOptions, dockerRun, privateDirs, spawnDockerRun } from './helpers/job.js';
import { program, STATE_DIR } from './helpers/paths.js';
import { runAs } from './helpers/run-as.js';
import { LAB_GROUP, TEST_USER, TEST_USER2, userInfo } from './helpers/users.js';
import { cleanupWorkspace, userDir, writeConfig } from './helpers/workspace.js';

const user = userInfo(TEST_USER);
const other = userInfo(TEST_USER2);
const KERNEL = release();
/** Names of our own making, so that nothing of another test run or helper is touched. */
const TAG = `p13-${process.pid}`;
const NAME = `${TAG}-readout`;
/** This file's own tmp root (1777, root-owned): its private dirs are told apart from everyone else's. */
const TMP_ROOT = `${STATE_DIR}/${TAG}-tmp`;
/** Stands in for /lib on a host without /lib/modules: the profile mounts <root>/{kernel} at /lib/modules/{kernel}. */
const MODULES = `${STATE_DIR}/${TAG}-modules`;
const O2 = {
  O2_DETECTOR: 'TPC',
  O2_PARTITION: 'p2XyZ',
  OCC_CONTROL_PORT: '47100',
  O2_SYSTEM: 'FLP',
  O2_ROLE: 'flp001',
};

let config: string;
let work: string;
let otherWork: string;
let audit: string;
let server: Server;
let port: number;

beforeAll(async () => {
  mkdirSync(TMP_ROOT, { recursive: true });
  chmodSync(TMP_ROOT, 0o1777);
  mkdirSync(`${MODULES}/${KERNEL}`, { recursive: true });
  writeFileSync(`${MODULES}/${KERNEL}/modules.dep`, `modules of ${KERNEL}\n`);
  work = await userDir(TEST_USER, 'profiles');
  otherWork = await userDir(TEST_USER2, 'profiles');
  audit = `${await userDir(TEST_USER, 'audit')}/audit.log`;
  config = await writeConfig(`[paths]
tmp_root = ${TMP_ROOT}
[network]
allow[] = default
allow[] = bridge
allow[] = none
[ipc]
allow[] = private
allow[] = none
[environment]
preserve = false
[log]
audit = ${audit}
[profile readout]
groups[] = ${LAB_GROUP}
container_name = ${NAME}
network.allow[] = host
ipc.allow[] = host
mounts.mount[] = type=bind,source=${MODULES}/{kernel},target=/lib/modules/{kernel},readonly
environment.pass[] = O2_DETECTOR
environment.pass[] = O2_PARTITION
environment.pass[] = OCC_CONTROL_PORT
environment.pass[] = O2_SYSTEM
environment.pass[] = O2_ROLE
[profile priv]
users[] = ${TEST_USER}
security.privileged = true
`);
  server = createServer((_req, res) => res.end(`hello from the host's loopback ${TAG}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.close();
  await docker(['rm', '--force', NAME]);
  await cleanupWorkspace();
  rmSync(TMP_ROOT, { recursive: true, force: true });
  rmSync(MODULES, { recursive: true, force: true });
  rmSync(`/dev/shm/${TAG}`, { force: true });
  rmSync(`/dev/shm/${TAG}.back`, { force: true });
});

const readout = { LSF_DOCKER_PROFILE: 'readout' };

function job(who: string, command: string, env: Record<string, string> = {}, opts: DockerRunOptions = {}) {
  return dockerRun(who, [command], { cwd: who === TEST_USER ? work : otherWork, config, ...opts, env });
}

/** Containers started with this file's tmp root (their lsf-docker.dir label lies under it). */
async function ourContainers(): Promise<string[]> {
  const r = await docker(['ps', '--all', '--format', '{{.Names}}\t{{.Label "lsf-docker.dir"}}']);
  return r.stdout
    .split('\n')
    .filter((l) => l.split('\t')[1]?.startsWith(`${TMP_ROOT}/`))
    .map((l) => l.split('\t')[0]!);
}

async function expectNothingLeft(uid: number) {
  expect(privateDirs(uid, TMP_ROOT)).toEqual([]);
  expect(await ourContainers()).toEqual([]);
}

const auditLines = () => {
  try {
    return readFileSync(audit, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};

describe('a user in the profile group gets what the readout job needs, proven from inside', () => {
  test("host ipc: a POSIX shared-memory segment a host process made is the job's, and back", async () => {
    const made = await runAs(TEST_USER, [
      'sh',
      '-c',
      `umask 077; printf '%s' "from the host ${TAG}" > /dev/shm/${TAG}`,
    ]);
    expect(made.exitCode).toBe(0);
    const r = await job(TEST_USER, `cat /dev/shm/${TAG}; echo; printf back > /dev/shm/${TAG}.back`, {
      ...readout,
      LSF_DOCKER_IPC: 'host',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`from the host ${TAG}`);
    expect(readFileSync(`/dev/shm/${TAG}.back`, 'utf8')).toBe('back');
    // The same job without the profile: host ipc is not allowed; with the profile but its own ipc: not there.
    const refused = await job(TEST_USER, `cat /dev/shm/${TAG}`, { LSF_DOCKER_IPC: 'host' });
    expect(refused.exitCode).toBe(213);
    expect(refused.stderr).toMatch(
      /LSF_DOCKER_IPC: "host" is not an allowed ipc mode \(allowed: private, none\)/,
    );
    const privateIpc = await job(TEST_USER, `cat /dev/shm/${TAG} || echo absent`, readout);
    expect(privateIpc.stdout).toContain('absent');
    await expectNothingLeft(user.uid);
  });

  test("host network: the job reaches a listener on the host's loopback", async () => {
    const url = `http://127.0.0.1:${port}/`;
    const r = await job(TEST_USER, `wget -q -O - ${url}`, { ...readout, LSF_DOCKER_NETWORK: 'host' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`hello from the host's loopback ${TAG}`);
    const bridge = await job(TEST_USER, `wget -q -T 3 -O - ${url} || echo unreachable`, readout);
    expect(bridge.stdout).toBe('unreachable');
    const refused = await job(TEST_USER, 'true', { LSF_DOCKER_NETWORK: 'host' });
    expect(refused.exitCode).toBe(213);
  });

  test('/lib/modules/<release> of the host, read-only ({kernel} is uname -r)', async () => {
    const r = await job(
      TEST_USER,
      'uname -r; cat /lib/modules/$(uname -r)/modules.dep; touch /lib/modules/$(uname -r)/x 2>/dev/null; echo write=$?',
      readout,
    );
    expect(r.stdout.split('\n')).toEqual([KERNEL, `modules of ${KERNEL}`, 'write=1']);
    const without = await job(TEST_USER, 'ls /lib/modules 2>/dev/null | wc -l');
    expect(without.stdout.trim()).toBe('0');
  });

  test('the O2 variables and nothing else of the job with preserve off', async () => {
    const r = await job(TEST_USER, 'env', { ...readout, ...O2, FOO: 'bar', SECRET_TOKEN: 's3cr3t' });
    expect(r.exitCode).toBe(0);
    const env = new Map(
      r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const [name, value] of Object.entries(O2)) expect(env.get(name)).toBe(value);
    expect(env.has('FOO')).toBe(false);
    expect(env.has('SECRET_TOKEN')).toBe(false);
    // What else is there: the job's LSF variables, the user's identity, the GPU switch, and the shell's own.
    const expected =
      /^(O2_|OCC_|LSB_|LS_SUBCWD$|HOME$|USER$|LOGNAME$|NVIDIA_VISIBLE_DEVICES$|PATH$|PWD$|SHLVL$|HOSTNAME$|TMPDIR$)/;
    expect([...env.keys()].filter((n) => !expected.test(n))).toEqual([]);
    const plain = await job(TEST_USER, 'env', { ...O2 });
    expect(plain.stdout).not.toContain('O2_DETECTOR');
  });
});

describe('the fixed container name', () => {
  test('replaces their own previous container of that name', async () => {
    const first = spawnDockerRun(TEST_USER, ['sleep 300'], { cwd: work, config, env: readout });
    try {
      let inspected = '';
      for (let i = 0; i < 100 && !inspected.includes('true'); i++) {
        await new Promise((r) => setTimeout(r, 200));
        inspected = (
          await docker([
            'inspect',
            '--format',
            '{{.State.Running}} {{.Config.User}} {{index .Config.Labels "lsf-docker.profile"}}',
            NAME,
          ])
        ).stdout;
      }
      expect(inspected).toBe(`true ${user.uid}:${user.gid} readout`);
      const second = await job(TEST_USER, 'echo second', { ...readout, LSF_DOCKER_RUN_LOGLEVEL: 'INFO' });
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toBe('second');
      expect(second.stderr).toMatch(
        new RegExp(`replaced your previous container ${NAME} \\(\\w{12}\\) of profile readout`),
      );
      const ended = await first.result;
      expect(ended.timedOut).toBe(false);
    } finally {
      first.kill('SIGKILL');
    }
    expect((await docker(['inspect', NAME])).exitCode).not.toBe(0);
    await expectNothingLeft(user.uid);
  });

  test.each([
    ["another user's container of that name", other.uid],
    ["another user's container with a forged lsf-docker.uid label", user.uid],
  ])('never replaces %s: the job stops (220), that container is left alone', async (_what, labelUid) => {
    await dockerOk([
      'run',
      '--detach',
      '--name',
      NAME,
      '--user',
      `${other.uid}:${other.gid}`,
      '--label',
      'lsf-docker.managed=true',
      '--label',
      `lsf-docker.uid=${labelUid}`,
      '--label',
      'lsf-docker.profile=readout',
      IMAGES.busybox,
      'sleep',
      '300',
    ]);
    try {
      const r = await job(TEST_USER, 'echo SHOULD-NOT-RUN', readout);
      expect(r.exitCode).toBe(220);
      expect(r.stderr.trim().split('\n')).toEqual([
        `docker_run: profile readout: container name ${NAME} is taken by a container that is not yours (it runs as ${other.uid}:${other.gid}, not uid ${user.uid}): not replaced`,
      ]);
      expect(r.stdout).not.toContain('SHOULD-NOT-RUN');
      expect((await docker(['inspect', '--format', '{{.State.Running}}', NAME])).stdout).toBe('true');
      expect(privateDirs(user.uid, TMP_ROOT)).toEqual([]);
    } finally {
      await docker(['rm', '--force', NAME]);
    }
  });
});

describe('another user asking for the same profile is refused before anything starts', () => {
  test.each<[string, Record<string, string>, DockerRunOptions]>([
    ['LSF_DOCKER_PROFILE', readout, {}],
    [
      'LSF_DOCKER_PROFILE, with USER, LOGNAME and HOME of a member',
      { ...readout, USER: TEST_USER, LOGNAME: TEST_USER, HOME: user.home },
      {},
    ],
    ['docker_run --profile in the job starter line', {}, { args: ['--profile', 'readout'] }],
  ])('%s: exit 226, one line naming the profile, no container, no private dir', async (_what, env, opts) => {
    const before = auditLines().length;
    const r = await job(TEST_USER2, 'echo SHOULD-NOT-RUN', { ...env, LSF_DOCKER_IPC: 'host' }, opts);
    expect(r.exitCode).toBe(226);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^docker_run: (LSF_DOCKER_PROFILE|--profile): profile readout is not for ${TEST_USER2} \\(not in its users\\[\\] or groups\\[\\]\\)$`,
        ),
      ),
    ]);
    expect(r.stdout).not.toContain('SHOULD-NOT-RUN');
    expect((await docker(['inspect', NAME])).exitCode).not.toBe(0);
    await expectNothingLeft(other.uid);
    expect(auditLines().length).toBe(before);
  });

  test('esub.docker refuses it at submission; accepts it for a member', async () => {
    const esub = (who: string, cwd: string) =>
      runAs(who, [program('esub.docker'), '--config', config, IMAGES.busybox], {
        cwd,
        env: {
          ...readout,
          LSB_SUB_ABORT_VALUE: '97',
          LSB_SUB_MODIFY_FILE: '/dev/null',
          LSB_SUB_MODIFY_ENVFILE: '/dev/null',
        },
      });
    const refused = await esub(TEST_USER2, otherWork);
    expect(refused.exitCode).toBe(97);
    expect(refused.stderr).toBe(
      `esub.docker: LSF_DOCKER_PROFILE: profile readout is not for ${TEST_USER2} (not in its users[] or groups[])`,
    );
    const accepted = await esub(TEST_USER, work);
    expect(accepted.exitCode).toBe(0);
  });

  test('the job starter fixes the profile: a job asking for another one is refused', async () => {
    const r = await job(
      TEST_USER,
      'true',
      { LSF_DOCKER_PROFILE: 'priv' },
      { args: ['--profile', 'readout'] },
    );
    expect(r.exitCode).toBe(226);
    expect(r.stderr).toContain(
      'LSF_DOCKER_PROFILE: profile priv asked for, but the job starter fixes profile readout',
    );
  });
});

describe('a profile is no way around the volume rules it does not widen', () => {
  test.each([
    ['/etc:/hostetc', /"\/etc:\/hostetc": \/etc is not under an allowed volume root/],
    [`${MODULES}:/m`, /is not under an allowed volume root/],
    [`${user.home}:/lib/modules/${KERNEL}`, /target \/lib\/modules\/.* is already mounted \(admin\)/],
    [`${user.home}:/proc/x`, /lies in the protected \/proc/],
  ])('LSF_DOCKER_VOLUMES=%s: refused (213), nothing started', async (volumes, reason) => {
    const r = await job(TEST_USER, 'echo SHOULD-NOT-RUN', { ...readout, LSF_DOCKER_VOLUMES: volumes });
    expect(r.exitCode).toBe(213);
    expect(r.stderr).toMatch(reason);
    expect(r.stdout).not.toContain('SHOULD-NOT-RUN');
    await expectNothingLeft(user.uid);
  });
});

describe('audit, explain, config check', () => {
  test('every job that uses a profile writes one audit line: user, job, profile, what it widened', async () => {
    const before = auditLines().length;
    const r = await job(TEST_USER, 'true', { ...readout, LSB_JOBID: '4242', LSB_JOBINDEX: '0' });
    expect(r.exitCode).toBe(0);
    const lines = auditLines();
    expect(lines.length).toBe(before + 1);
    expect(lines.at(-1)).toMatchObject({
      program: 'docker_run',
      user: TEST_USER,
      uid: user.uid,
      job: '4242',
      index: 0,
      profile: 'readout',
      granted: `group ${LAB_GROUP}`,
      container: NAME,
      privileged: false,
      widened: [
        'network.allow += host',
        'ipc.allow += host',
        `mounts.mount += type=bind,source=${MODULES}/${KERNEL},target=/lib/modules/${KERNEL},readonly`,
        'environment.pass += O2_DETECTOR, O2_PARTITION, OCC_CONTROL_PORT, O2_SYSTEM, O2_ROLE',
      ],
    });
    const plain = await job(TEST_USER, 'true');
    expect(plain.exitCode).toBe(0);
    expect(auditLines().length).toBe(before + 1);
  });

  test('security.privileged: --privileged, a WARNING every time, still no capability for the user', async () => {
    const r = await job(
      TEST_USER,
      'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; grep CapBnd /proc/self/status',
      {
        LSF_DOCKER_PROFILE: 'priv',
      },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/WARNING: PRIVILEGED container \(profile priv\): root-equivalent on this host/);
    const [capBnd, capEff, noNewPrivs] = r.stdout.split('\n').sort();
    expect([capEff, noNewPrivs]).toEqual(['CapEff:\t0000000000000000', 'NoNewPrivs:\t1']);
    // --privileged took effect: (nearly) every capability the daemon has in the bounding set, not the admin's five.
    const bits = [...BigInt(`0x${capBnd?.split('\t')[1]}`).toString(2)].filter((b) => b === '1').length;
    expect(bits).toBeGreaterThan(30);
    expect(auditLines().at(-1)).toMatchObject({
      profile: 'priv',
      privileged: true,
      widened: ['security.privileged = true'],
    });
  });

  test('explain shows the profile that applied and what it widened', async () => {
    const r = await runAs(TEST_USER, [program('lsf-docker'), '--config', config, 'explain', '--', 'true'], {
      cwd: work,
      env: { ...readout, LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: work, LSF_DOCKER_NETWORK: 'host' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      `profile:  readout (asked for by LSF_DOCKER_PROFILE; granted to group ${LAB_GROUP})`,
    );
    expect(r.stdout).toContain('            - network.allow += host');
    expect(r.stdout).toContain(`--name=${NAME}`);
    expect(r.stdout).toContain('--network=host');
    const refused = await runAs(
      TEST_USER2,
      [program('lsf-docker'), '--config', config, 'explain', '--', 'true'],
      {
        cwd: otherWork,
        env: { ...readout, LSB_CONTAINER_IMAGE: IMAGES.busybox, LS_SUBCWD: otherWork },
      },
    );
    expect(refused.exitCode).toBe(226);
  });

  test('config check validates the profiles and names who may use them', async () => {
    const r = await runAs(TEST_USER, [program('lsf-docker'), 'config', 'check', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(
      `profile readout: for groups ${LAB_GROUP}; widens network.allow, ipc.allow, mounts.mount, environment.pass; container name ${NAME}`,
    );
    expect(r.stdout).toContain(
      'warning: [profile priv] security.privileged = true: its jobs are root-equivalent on this host',
    );
    const bad = await writeConfig(`[profile x]\ngroups[] = ${LAB_GROUP}\ndocker.binary = /tmp/evil\n`);
    const refused = await runAs(TEST_USER, [program('lsf-docker'), 'config', 'check', bad]);
    expect(refused.exitCode).toBe(211);
    expect(refused.stderr).toContain(
      '[profile x] docker.binary: [docker] binary cannot be widened by a profile',
    );
  }, 30_000);
});
