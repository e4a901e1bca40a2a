/** docker_exec as a service: its request, its environment, its target, and one exec on the fake runtime. */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import { type ExecPlan, findTarget, runExec } from '../../../lib/exec/docker-exec.js';
import { execEnvironment, parseExecRequest } from '../../../lib/exec/request.js';
import { chooseTarget, execCommand, proofReason } from '../../../lib/exec/target.js';
import type { Identity } from '../../../lib/host/identity.js';
import type { PrivateDirProof } from '../../../lib/host/private-dir.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { entryName } from '../../../lib/policy/rules/environment.js';
import { type FakeRun, fakeRuntime } from '../../../lib/runtime/fake.js';
import type { FoundContainer } from '../../../lib/runtime/types.js';
import { memoryLogger, sleep } from '../job/helpers.js';

describe('the request', () => {
  test.each([
    [['7', 'ps'], {}, { job: { id: 7 }, words: ['ps'] }],
    [['7[3]', '--', 'cat', '/x'], {}, { job: { id: 7, index: 3 }, words: ['cat', '/x'] }],
    [['ps; id'], { LSB_DOCKER_EXEC_JOBID: '12' }, { job: { id: 12 }, words: ['ps; id'] }],
  ])('%j with %j', (argv, env, want) => {
    expect(parseExecRequest(argv, env)).toEqual(want);
  });

  test.each([
    [[], {}, 'no JOBID given'],
    [['x1', 'ps'], {}, 'JOBID "x1" is not a job id (123 or 123[4])'],
    [['007', 'ps'], {}, 'is not a job id'],
    [['7'], {}, 'no COMMAND given'],
    [['7', '--', ' '], {}, 'no COMMAND given'],
  ])('%j is a usage error (210)', (argv, env, message) => {
    expect(() => parseExecRequest(argv, env)).toThrow(expect.objectContaining({ code: ExitCode.USAGE }));
    expect(() => parseExecRequest(argv, env)).toThrow(message);
  });

  test('one word is shell text, more are an argv', () => {
    expect(execCommand(['ps; id'])).toEqual(['/bin/sh', '-c', 'ps; id']);
    expect(execCommand(['cat', '/x'])).toEqual(['cat', '/x']);
  });
});

describe("the environment, by docker_run's rules", () => {
  const env = { LSB_JOBID: '7', TMPDIR: '/tmp/7', MY_VAR: 'x', HOSTNAME: 'h', SECRET_TOKEN: 's' };
  const config = (preserve: boolean, deny: string[] = []) => {
    const c = defaultConfig();
    c.environment = { ...c.environment, preserve, deny };
    return c;
  };

  test('preserved: everything but what is always dropped or denied', () => {
    const kept = execEnvironment(env, config(true, ['SECRET_.*']), memoryLogger()).map(entryName);
    expect(kept).toEqual(['LSB_JOBID', 'TMPDIR', 'MY_VAR']);
  });

  test('not preserved (by the job or the admin): only the job variables', () => {
    expect(execEnvironment(env, config(true), memoryLogger()).length).toBeGreaterThan(2);
    const byJob = execEnvironment(
      { ...env, LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false' },
      config(true),
      memoryLogger(),
    );
    expect(byJob.map(entryName)).toEqual(['LSB_JOBID', 'TMPDIR']);
    expect(execEnvironment(env, config(false), memoryLogger()).map(entryName)).toEqual([
      'LSB_JOBID',
      'TMPDIR',
    ]);
  });

  test('a bad LSF_DOCKER_PRESERVE_ENVIRONMENT is refused (212), as docker_run refuses it', () => {
    expect(() =>
      execEnvironment({ LSF_DOCKER_PRESERVE_ENVIRONMENT: 'maybe' }, config(true), memoryLogger()),
    ).toThrow(expect.objectContaining({ code: ExitCode.BAD_REQUEST }));
  });
});

const c = (over: Partial<FoundContainer> & { labels?: Record<string, string> } = {}): FoundContainer => ({
  id: 'a'.repeat(64),
  name: 'lsf_7_0_1',
  running: true,
  user: '4201:4201',
  workdir: '/',
  ...over,
  labels: {
    'lsf-docker.managed': 'true',
    'lsf-docker.job': '7',
    'lsf-docker.index': '0',
    'lsf-docker.uid': '4201',
    ...over.labels,
  },
});
const me = { uid: 4201, gid: 4201 };

describe('the target', () => {
  test('the running container of my job; an index picks the element', () => {
    expect(chooseTarget([c()], { id: 7 }, me)).toMatchObject({ ok: true });
    const element = c({ labels: { 'lsf-docker.index': '3' } });
    expect(chooseTarget([c(), element], { id: 7, index: 3 }, me)).toEqual({ ok: true, container: element });
  });

  test.each([
    ['another user', [c({ labels: { 'lsf-docker.uid': '4202' } })], /belongs to another user/],
    ['a forged uid label', [c({ user: '4202:4202' })], /runs as 4202:4202/],
    ['not running', [c({ running: false })], /not running/],
    ['another index', [c({ labels: { 'lsf-docker.index': '2' } })], /no container/],
    ['unmanaged', [c({ labels: { 'lsf-docker.managed': 'false' } })], /no container/],
    ['two candidates', [c(), c({ id: 'b'.repeat(64) })], /refusing to guess/],
  ])('refuses %s', (_l, candidates, reason) => {
    const r = chooseTarget(candidates, { id: 7 }, me);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  test('found by the job label through the runtime; refusals and other failures are 227, the daemon 215', async () => {
    const runtime = fakeRuntime({ containers: [c()] });
    const proven = () => undefined;
    expect(await findTarget(runtime, { id: 7 }, me, proven)).toEqual(c());
    expect(runtime.ops()).toEqual(['find:lsf-docker.job=7']);
    await expect(findTarget(runtime, { id: 8 }, me, proven)).rejects.toMatchObject({
      code: ExitCode.EXEC_TARGET,
    });
    // Labels alone prove nothing: without a private dir behind it, the container is not entered.
    await expect(findTarget(runtime, { id: 7 }, me)).rejects.toThrow(
      /no container on this host that lsf-docker started for you \(its lsf-docker.dir label/,
    );
    const broken = fakeRuntime();
    broken.find = async () => {
      throw new Error('docker ps: unknown flag');
    };
    await expect(findTarget(broken, { id: 7 }, me)).rejects.toThrow('JOBID: docker ps: unknown flag');
    await expect(findTarget(fakeRuntime({ daemonDown: true }), { id: 7 }, me)).rejects.toMatchObject({
      code: ExitCode.DAEMON_UNREACHABLE,
    });
  });
});

describe('the proof behind the labels (a forged container next to the real one)', () => {
  const forged = c({ id: 'f'.repeat(64), name: 'builder_step' });
  const proofs: Record<string, PrivateDirProof> = {
    [c().id]: {
      ok: true,
      owner: { pid: 10, host: 'node1', uid: 4201, container: c().name, job: '7', started: '' },
      cid: c().id,
    },
    [forged.id]: { ok: false, reason: 'its lsf-docker.dir label does not name a private dir of yours' },
  };
  const confirm = (x: FoundContainer) => proofReason(x, proofs[x.id]!, me, 'node1', (pid) => pid === 10);

  test('only the proven one is entered', () => {
    expect(chooseTarget([forged, c()], { id: 7 }, me, confirm)).toEqual({ ok: true, container: c() });
    expect(chooseTarget([forged], { id: 7 }, me, confirm)).toMatchObject({ ok: false });
  });

  test.each<[string, PrivateDirProof, RegExp]>([
    [
      'another uid',
      {
        ok: true,
        owner: { pid: 10, host: 'node1', uid: 4202, container: c().name, job: '', started: '' },
        cid: c().id,
      },
      /another user/,
    ],
    [
      'another host',
      {
        ok: true,
        owner: { pid: 10, host: 'x', uid: 4201, container: c().name, job: '', started: '' },
        cid: c().id,
      },
      /another host/,
    ],
    [
      'another container name',
      {
        ok: true,
        owner: { pid: 10, host: 'node1', uid: 4201, container: 'other', job: '', started: '' },
        cid: c().id,
      },
      /another container/,
    ],
    [
      'another cid',
      {
        ok: true,
        owner: { pid: 10, host: 'node1', uid: 4201, container: c().name, job: '', started: '' },
        cid: 'b'.repeat(64),
      },
      /another container/,
    ],
    [
      'a dead wrapper',
      {
        ok: true,
        owner: { pid: 11, host: 'node1', uid: 4201, container: c().name, job: '', started: '' },
        cid: c().id,
      },
      /is gone/,
    ],
  ])('a record with %s proves nothing', (_w, proof, reason) => {
    expect(proofReason(c(), proof, me, 'node1', (pid) => pid === 10)).toMatch(reason);
  });
});

describe('one exec', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(`${tmpdir()}/lsfd-exec-`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const ALICE = {
    uid: 4201,
    gid: 4201,
    groups: [],
    user: 'alice',
    home: '/home/alice',
    shell: '/bin/sh',
    groupNames: new Map(),
  } as Identity;

  function harness(run: FakeRun, pids: number[] = []) {
    const config = defaultConfig();
    config.paths.tmpRoot = root;
    config.job.terminateInterval = 0.4;
    const runtime = fakeRuntime({ runs: [run], pids });
    const log = memoryLogger();
    const plan: ExecPlan = {
      config,
      log,
      identity: ALICE,
      runtime,
      container: c(),
      env: ['LSB_JOBID=7'],
      words: ['sleep 30'],
      job: { id: 7 },
      interactive: false,
      tty: false,
    };
    // The session's processes: alive until killed; their environ carries the token of the env-file.
    const alive = new Set(pids);
    const killed: string[] = [];
    let token = '';
    const host = {
      kill: (pid: number, signal: NodeJS.Signals) => {
        killed.push(`${pid}:${signal}`);
        if (signal === 'SIGKILL') alive.delete(pid);
      },
      environOf: (pid: number) => (alive.has(pid) ? `A=1\0LSF_DOCKER_EXEC_SESSION=${token}\0` : undefined),
    };
    runtime.hostPids = async () => [...alive];
    const signals = new EventEmitter();
    const readToken = () => {
      const envFile = runtime.spawned[0]
        ?.find((a) => a.startsWith('--env-file='))
        ?.slice('--env-file='.length);
      token = /LSF_DOCKER_EXEC_SESSION=(\w+)/.exec(readFileSync(envFile!, 'utf8'))?.[1] ?? '';
      return envFile!;
    };
    return { plan, runtime, host, signals, killed, alive, readToken, log };
  }

  test("the command's status; the env-file holds the environment and the session token; the dir is removed", async () => {
    const h = harness({ exit: 3, afterMs: 20 });
    const status = runExec(h.plan, { host: h.host, signals: h.signals as never });
    await sleep(5);
    const envFile = h.readToken();
    expect(readFileSync(envFile, 'utf8')).toMatch(/^LSB_JOBID=7\nLSF_DOCKER_EXEC_SESSION=[0-9a-f]{32}\n$/);
    expect(await status).toBe(3);
    expect(h.runtime.spawned[0]).toEqual([
      'exec',
      '--user',
      '4201:4201',
      `--env-file=${envFile}`,
      '--',
      'a'.repeat(64),
      '/bin/sh',
      '-c',
      'sleep 30',
    ]);
    expect(() => readFileSync(envFile)).toThrow();
  });

  test('SIGTERM goes to the CLI and the session; what still runs near the SIGKILL is killed', async () => {
    const h = harness({}, [501, 502]);
    const status = runExec(h.plan, { host: h.host, signals: h.signals as never });
    await sleep(5);
    h.readToken();
    h.signals.emit('SIGTERM', 'SIGTERM');
    expect(await status).toBe(143);
    expect(h.killed).toEqual(['501:SIGTERM', '502:SIGTERM', '501:SIGKILL', '502:SIGKILL']);
    expect(h.log.lines).toContain('WARNING: exec still running after SIGTERM: killing its 2 process(es)');
    expect(h.signals.listenerCount('SIGTERM')).toBe(0);
  });
});
