/**
 * PodmanRuntime over a scripted exec door: its control rows (rm --time=0), OOM from the kernel
 * log, pause without a freezer, top's host pids, find on podman's inspect JSON; its capabilities
 * and environment.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../../lib/config/schema.js';
import { createRuntime } from '../../../../lib/runtime/create.js';
import { podmanCapabilities } from '../../../../lib/runtime/podman/capabilities.js';
import { parseTopPairs } from '../../../../lib/runtime/podman/control.js';
import { podmanEnvironment } from '../../../../lib/runtime/podman/create.js';
import { oomKillOf } from '../../../../lib/runtime/podman/kmsg.js';
import { memoryLogger } from '../../job/helpers.js';
import { fail, ok, podman, ROOTFUL_V1, ROOTLESS_V1, ROOTLESS_V2 } from './helpers.js';

const ID = '3a7583031d93ba1afbfd4a5b5b32c630db62718ca5b3433bf1c347426edbd350';
/** `podman top CTR hpid pid` as podman 4.3 prints it (init, the job's sh, its sleep). */
const TOP = 'HPID        PID\n22173       1\n22208       6\n22209       7\n';
/** The kernel's records of a rootful podman container OOM-killed (/dev/kmsg, measured). */
const KMSG = [
  '6,15016,2977672675,-;docker0: port 1(veth3df4715) entered disabled state\n',
  `4,15100,2977700000,-;dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n`,
  `6,15130,2977700100,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=libpod-${ID},mems_allowed=0,oom_memcg=/libpod_parent/libpod-${ID},task_memcg=/libpod_parent/libpod-${ID},task=dd,pid=12866,uid=4201\n`,
  '3,15131,2977700200,-;Memory cgroup out of memory: Killed process 12866 (dd) total-vm:103996kB\n',
];

let dir: string;
let cidfile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'podman-rt-'));
  cidfile = path.join(dir, 'cid');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('control', () => {
  test('remove kills at once: rm --force --volumes --time=0 (podman waits 10 s otherwise)', async () => {
    const { runtime, argvs } = podman(ROOTFUL_V1);
    await runtime.control('lsf_1_0_2', cidfile).remove();
    await runtime.remove(ID);
    expect(argvs).toEqual([
      ['rm', '--force', '--volumes', '--time=0', 'lsf_1_0_2'],
      ['rm', '--force', '--volumes', '--time=0', ID],
    ]);
  });

  test('OOM, rootful: a kernel oom-kill record naming the container id (podman reports none)', async () => {
    writeFileSync(cidfile, ID);
    const yes = podman(ROOTFUL_V1, {}, { kmsg: () => KMSG });
    expect(await yes.runtime.control('n', cidfile).wasOomKilled(0)).toBe(true);
    expect(yes.argvs).toEqual([]);
    const other = podman(ROOTFUL_V1, {}, { kmsg: () => KMSG.map((r) => r.replaceAll(ID, 'c'.repeat(64))) });
    expect(await other.runtime.control('n', cidfile).wasOomKilled(0)).toBe(false);
    const rootless = podman(ROOTLESS_V2, {}, { kmsg: () => KMSG });
    expect(await rootless.runtime.control('n', cidfile).wasOomKilled(0)).toBe(false);
  });

  test('oomKillOf: only an oom-kill record, only a full container id', () => {
    expect(oomKillOf(KMSG, ID)).toBe(true);
    expect(oomKillOf(KMSG.slice(3), ID)).toBe(false);
    expect(oomKillOf(KMSG, ID.slice(0, 12))).toBe(false);
    expect(oomKillOf([`6,1,2,-;echo task_memcg=/libpod-${ID} oom-kill:`], ID)).toBe(false);
  });

  test('pause without a freezer (rootless, cgroup v1): SIGSTOP to every process but init, by host pid; SIGCONT to resume', async () => {
    writeFileSync(cidfile, ID);
    const sent: Array<[number, string]> = [];
    const kill = (pid: number, signal: NodeJS.Signals) => void sent.push([pid, signal]);
    const { runtime, argvs } = podman(ROOTLESS_V1, { top: ok(TOP) }, { kill });
    const control = runtime.control('n', cidfile);
    expect(await control.pause()).toEqual({ ok: true });
    expect(sent).toEqual([
      [22208, 'SIGSTOP'],
      [22209, 'SIGSTOP'],
    ]);
    expect(argvs[0]).toEqual(['top', ID, 'hpid', 'pid']);
    expect(argvs.length).toBe(2); // listed again: nothing new
    sent.length = 0;
    expect(await control.resume()).toEqual({ ok: true });
    expect(sent).toEqual([
      [22208, 'SIGCONT'],
      [22209, 'SIGCONT'],
    ]);
  });

  test('a child forked while stopping is stopped in the next round', async () => {
    writeFileSync(cidfile, ID);
    const sent: number[] = [];
    let calls = 0;
    const top = () => ok(++calls === 1 ? TOP : `${TOP}22300       9\n`);
    const { runtime } = podman(ROOTLESS_V1, { top }, { kill: (pid) => void sent.push(pid) });
    await runtime.control('n', cidfile).pause();
    expect(sent).toEqual([22208, 22209, 22300]);
  });

  test('pause with a freezer (rootful): podman pause / unpause; a container not there is absent', async () => {
    const { runtime, argvs } = podman(ROOTFUL_V1, {
      unpause: fail(`Error: "${ID}" is not paused, can't unpause: container state improper`),
    });
    const control = runtime.control('lsf_1_0_2', cidfile);
    expect(await control.pause()).toEqual({ ok: true });
    expect(await control.resume()).toMatchObject({ ok: false, absent: true });
    expect(argvs).toEqual([
      ['pause', 'lsf_1_0_2'],
      ['unpause', 'lsf_1_0_2'],
    ]);
  });

  test('pause without a freezer of a container that is gone: absent', async () => {
    const { runtime } = podman(ROOTLESS_V1, {
      top: fail('Error: no container with name or ID "n" found: no such container'),
    });
    expect(await runtime.control('n', cidfile).pause()).toMatchObject({ ok: false, absent: true });
  });
});

describe('host pids and find', () => {
  test("hostPids: podman's hpid column (top -eo pid would run ps inside the container)", async () => {
    const { runtime, argvs } = podman(ROOTLESS_V1, { top: ok(TOP) });
    expect(await runtime.hostPids('c')).toEqual([22173, 22208, 22209]);
    expect(argvs).toEqual([['top', 'c', 'hpid', 'pid']]);
    expect(parseTopPairs('garbage')).toEqual([]);
  });

  test('find: ps for full ids, podman inspect JSON (Name without "/") for the facts', async () => {
    const inspected = [
      {
        Id: ID,
        Name: 'lsf_9_0_77',
        State: { Status: 'running', Running: true },
        Config: {
          User: '4201:4201',
          WorkingDir: '/w',
          Labels: { 'lsf-docker.job': '9', 'lsf-docker.managed': 'true' },
        },
      },
    ];
    const { runtime, argvs } = podman(ROOTLESS_V1, {
      ps: ok(`${ID}\n`),
      container: ok(JSON.stringify(inspected)),
    });
    expect(await runtime.find({ 'lsf-docker.job': '9' })).toEqual([
      {
        id: ID,
        name: 'lsf_9_0_77',
        labels: { 'lsf-docker.job': '9', 'lsf-docker.managed': 'true' },
        running: true,
        user: '4201:4201',
        workdir: '/w',
      },
    ]);
    expect(argvs).toEqual([
      ['ps', '--all', '--quiet', '--no-trunc', '--filter', 'label=lsf-docker.job=9'],
      ['container', 'inspect', ID],
    ]);
  });
});

describe('capabilities', () => {
  test.each([
    [
      'rootless, cgroup v1',
      { rootless: true, cgroup: 'v1', controllers: [] },
      { enforcesLimits: false, pauseResume: false, hostGroups: false },
    ],
    [
      'rootless, cgroup v2, controllers delegated',
      { rootless: true, cgroup: 'v2', controllers: ['memory', 'cpu', 'pids', 'io'] },
      { enforcesLimits: true, pauseResume: true, hostGroups: false },
    ],
    [
      'rootless, cgroup v2 without pids',
      { rootless: true, cgroup: 'v2', controllers: ['memory', 'cpu'] },
      { enforcesLimits: false, pauseResume: true, hostGroups: false },
    ],
    [
      'rootful, cgroup v1',
      { rootless: false, cgroup: 'v1', controllers: [] },
      { enforcesLimits: true, pauseResume: true, hostGroups: true },
    ],
  ] as const)('%s', (_name, facts, want) => {
    const caps = podmanCapabilities({ ...facts, controllers: [...facts.controllers] });
    expect(caps).toMatchObject({
      name: 'podman',
      rootless: facts.rootless,
      capsStayInBoundingSet: false,
      gpusFlag: false,
      hostGateway: false,
      ...want,
    });
    expect(caps.summary).toBe(`${facts.rootless ? 'rootless' : 'rootful'} podman on cgroup ${facts.cgroup}`);
  });
});

describe('environment and the engine row', () => {
  const config = () => {
    const c = defaultConfig();
    c.docker.engine = 'podman';
    c.docker.binary = 'podman';
    return c;
  };
  const log = memoryLogger();

  test('rootless: the user HOME and XDG_RUNTIME_DIR=/run/user/UID, nothing else', () => {
    const env = podmanEnvironment(
      { config: config(), identity: { home: '/home/alice' }, log, actingAsRoot: false },
      4201,
    );
    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/home/alice',
      XDG_RUNTIME_DIR: '/run/user/4201',
      LANG: 'C.UTF-8',
    });
  });

  test("rootful for a user: root's HOME (never the user's), a private copy of the user's podman logins", () => {
    const read = (p: string) => {
      expect(p).toBe('/home/alice/.config/containers/auth.json');
      return '{"auths":{"r:5000":{"auth":"eDp5"}},"credHelpers":{"r:5000":"x"}}';
    };
    const env = podmanEnvironment(
      {
        config: config(),
        identity: { home: '/home/alice' },
        log,
        actingAsRoot: true,
        privateDir: dir,
        readUserFile: read,
      },
      0,
    );
    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      REGISTRY_AUTH_FILE: `${dir}/containers/auth.json`,
    });
    expect(JSON.parse(readFileSync(`${dir}/containers/auth.json`, 'utf8'))).toEqual({
      auths: { 'r:5000': { auth: 'eDp5' } },
    });
    expect(statSync(`${dir}/containers`).mode & 0o777).toBe(0o700);
    expect(podmanEnvironment({ config: config(), identity: undefined, log, actingAsRoot: false }, 0)).toEqual(
      {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: '/root',
        LANG: 'C.UTF-8',
      },
    );
  });

  test("doctor's check: podman info (no daemon), one line about the store and cgroups", () => {
    expect(podman(ROOTLESS_V1).runtime.versionArgv()).toEqual([
      'info',
      '--format',
      'podman {{.Version.Version}}, {{.Store.GraphDriverName}} store, cgroup {{.Host.CgroupsVersion}}, rootless {{.Host.Security.Rootless}}',
    ]);
  });

  test('[docker] engine = podman makes createRuntime build a PodmanRuntime with the podman binary', () => {
    const runtime = createRuntime({
      config: config(),
      identity: { home: '/home/alice' },
      log,
      actingAsRoot: false,
    });
    expect(runtime.name).toBe('podman');
    expect(runtime.exec.binary).toBe('podman');
    expect(runtime.capabilities.name).toBe('podman');
  });
});
