/**
 * DockerRuntime over a scripted exec door: the argv it asks for, and what it makes of the
 * answers (label queries from JSON, control results, image presence, top's pids).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { createRuntime } from '../../../lib/runtime/create.js';
import { DockerRuntime } from '../../../lib/runtime/docker/runtime.js';
import type { CallResult, RuntimeExec } from '../../../lib/runtime/types.js';
import { memoryLogger } from '../job/helpers.js';

const ID1 = 'a'.repeat(64);
const ID2 = 'b'.repeat(64);
const ok = (stdout = ''): CallResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
const fail = (stderr: string, exitCode = 1): CallResult => ({
  exitCode,
  stdout: '',
  stderr,
  timedOut: false,
});

/** An exec door answering by the command's first word; every argv recorded. */
function scriptedExec(answers: Record<string, CallResult | ((args: string[]) => CallResult)>) {
  const argvs: string[][] = [];
  const exec: RuntimeExec = {
    binary: 'docker',
    timeout: 7,
    call: async (args) => {
      argvs.push(args);
      const a = answers[args[0] ?? ''] ?? ok();
      return typeof a === 'function' ? a(args) : a;
    },
    spawn: () => {
      throw new Error('not in these tests');
    },
  };
  return { exec, argvs };
}

const inspected = (id: string, name: string, labels: Record<string, string>, running = true) => ({
  Id: id,
  Name: `/${name}`,
  State: { Running: running },
  Config: { Labels: labels, User: '4201:4201', WorkingDir: '/w' },
});
const ours = { 'lsf-docker.managed': 'true', 'lsf-docker.job': '7', 'lsf-docker.uid': '4201' };

describe('find: ps for ids, inspect JSON for the facts', () => {
  test('labels become filters; the answer comes from the JSON', async () => {
    const { exec, argvs } = scriptedExec({
      ps: ok(`${ID1}\n${ID2}\n`),
      container: ok(
        JSON.stringify([inspected(ID1, 'lsf_7_0_1', ours), inspected(ID2, 'lsf_7_0_2', ours, false)]),
      ),
    });
    const found = await new DockerRuntime(exec).find({ 'lsf-docker.job': '7', 'lsf-docker.managed': 'true' });
    expect(argvs).toEqual([
      [
        'ps',
        '--all',
        '--quiet',
        '--no-trunc',
        '--filter',
        'label=lsf-docker.job=7',
        '--filter',
        'label=lsf-docker.managed=true',
      ],
      ['container', 'inspect', ID1, ID2],
    ]);
    expect(found).toEqual([
      { id: ID1, name: 'lsf_7_0_1', labels: ours, running: true, user: '4201:4201', workdir: '/w' },
      { id: ID2, name: 'lsf_7_0_2', labels: ours, running: false, user: '4201:4201', workdir: '/w' },
    ]);
  });

  test('no ids: no inspect', async () => {
    const { exec, argvs } = scriptedExec({ ps: ok('') });
    expect(await new DockerRuntime(exec).find({ 'lsf-docker.job': '7' })).toEqual([]);
    expect(argvs).toHaveLength(1);
  });

  test('a container gone between ps and inspect: the others are still read', async () => {
    const { exec } = scriptedExec({
      ps: ok(`${ID1}\n${ID2}\n`),
      container: {
        ...fail(`Error: No such container: ${ID2}`),
        stdout: JSON.stringify([inspected(ID1, 'x', ours)]),
      },
    });
    expect((await new DockerRuntime(exec).find({ 'lsf-docker.job': '7' })).map((c) => c.id)).toEqual([ID1]);
  });

  test('labels are checked again on the JSON; junk in ps output is ignored', async () => {
    const { exec } = scriptedExec({
      ps: ok(`${ID1}\nWARNING: something\n${ID2}\n`),
      container: ok(
        JSON.stringify([inspected(ID1, 'x', ours), inspected(ID2, 'y', { ...ours, 'lsf-docker.job': '8' })]),
      ),
    });
    const found = await new DockerRuntime(exec).find({ 'lsf-docker.job': '7' });
    expect(found.map((c) => c.name)).toEqual(['x']);
  });

  test('daemon down: its WrapperError (215); another failure: an Error naming the command', async () => {
    const down = scriptedExec({
      ps: fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock.'),
    });
    await expect(new DockerRuntime(down.exec).find({})).rejects.toMatchObject({
      code: ExitCode.DAEMON_UNREACHABLE,
    });
    const odd = scriptedExec({ ps: fail('unknown flag: --no-trunc') });
    await expect(new DockerRuntime(odd.exec).find({})).rejects.toThrow('docker ps: unknown flag: --no-trunc');
    const bad = scriptedExec({ ps: ok(ID1), container: fail('template: bad') });
    await expect(new DockerRuntime(bad.exec).find({})).rejects.toThrow('docker inspect: template: bad');
  });

  test('labels that are not strings, or a bad id, are dropped', async () => {
    const { exec } = scriptedExec({
      ps: ok(ID1),
      container: ok(
        JSON.stringify([
          { Id: 'nothex', Name: '/n' },
          { Id: ID1, Config: { Labels: { a: 1, b: 'x' } } },
        ]),
      ),
    });
    expect(await new DockerRuntime(exec).find({})).toEqual([
      { id: ID1, name: '', labels: { b: 'x' }, running: false, user: '', workdir: '' },
    ]);
  });
});

describe('the other runtime calls', () => {
  test('imagePresent: image inspect; a daemon problem throws', async () => {
    const present = scriptedExec({ image: ok('sha256:1') });
    expect(await new DockerRuntime(present.exec).imagePresent('img')).toBe(true);
    expect(present.argvs[0]).toEqual(['image', 'inspect', '--format', '{{.Id}}', '--', 'img']);
    const missing = scriptedExec({ image: fail('Error: No such image: img') });
    expect(await new DockerRuntime(missing.exec).imagePresent('img')).toBe(false);
    const hung = scriptedExec({ image: { ...fail(''), timedOut: true } });
    await expect(new DockerRuntime(hung.exec).imagePresent('img')).rejects.toThrow(
      /did not answer within 7s/,
    );
  });

  test('remove: rm --force --volumes; a missing container is absent', async () => {
    const { exec, argvs } = scriptedExec({ rm: fail(`Error: No such container: ${ID1}`) });
    expect(await new DockerRuntime(exec).remove(ID1)).toEqual({
      ok: false,
      absent: true,
      message: `Error: No such container: ${ID1}`,
    });
    expect(argvs[0]).toEqual(['rm', '--force', '--volumes', ID1]);
  });

  test('hostPids: the PID column of top; nothing when top fails', async () => {
    const { exec, argvs } = scriptedExec({ top: ok('PID\n123\n456\n') });
    expect(await new DockerRuntime(exec).hostPids('c')).toEqual([123, 456]);
    expect(argvs[0]).toEqual(['top', 'c', '-eo', 'pid']);
    const failing = scriptedExec({ top: fail('Error: c is not running') });
    expect(await new DockerRuntime(failing.exec).hostPids('c')).toEqual([]);
  });

  test('execArgv: user, env-file, terminal flags, then the container and the command', () => {
    const r = new DockerRuntime(scriptedExec({}).exec);
    const base = { user: '1:2', envFile: '/e', interactive: false, tty: false, command: ['id'] };
    expect(r.execArgv('c', base)).toEqual(['exec', '--user', '1:2', '--env-file=/e', '--', 'c', 'id']);
    expect(r.execArgv('c', { ...base, interactive: true, tty: true })).toEqual([
      'exec',
      '--user',
      '1:2',
      '--env-file=/e',
      '--interactive',
      '--tty',
      '--',
      'c',
      'id',
    ]);
  });
});

describe("one job's container control", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-control-`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('by name until the cidfile holds an id, then by id', () => {
    const control = new DockerRuntime(scriptedExec({}).exec).control('lsf_7_0_1', `${dir}/cid`);
    expect([control.target(), control.created()]).toEqual(['lsf_7_0_1', false]);
    writeFileSync(`${dir}/cid`, '');
    expect(control.created()).toBe(false);
    writeFileSync(`${dir}/cid`, `${ID1}\n`);
    expect([control.target(), control.created()]).toEqual([ID1, true]);
    writeFileSync(`${dir}/cid`, 'not an id');
    expect(control.target()).toBe('lsf_7_0_1');
    expect(statSync(`${dir}/cid`).size).toBeGreaterThan(0);
  });

  test('signal, pause, resume, remove: their argv; absent told apart from failures', async () => {
    const { exec, argvs } = scriptedExec({
      kill: fail('Error response from daemon: No such container: lsf_7_0_1'),
      pause: fail(`Error response from daemon: Container ${ID1} is not running`),
      unpause: fail('Error response from daemon: permission denied'),
    });
    const control = new DockerRuntime(exec).control('lsf_7_0_1', `${dir}/cid`);
    expect(await control.signal('SIGTERM')).toMatchObject({ ok: false, absent: true });
    expect(await control.pause()).toMatchObject({ ok: false, absent: true });
    expect(await control.resume()).toMatchObject({ ok: false, absent: false });
    expect(await control.remove()).toEqual({ ok: true });
    expect(argvs).toEqual([
      ['kill', '--signal=SIGTERM', 'lsf_7_0_1'],
      ['pause', 'lsf_7_0_1'],
      ['unpause', 'lsf_7_0_1'],
      ['rm', '--force', '--volumes', 'lsf_7_0_1'],
    ]);
  });

  test('OOM evidence: the oom event of the container since the start', async () => {
    const { exec, argvs } = scriptedExec({ events: ok('oom\n') });
    const control = new DockerRuntime(exec).control('lsf_7_0_1', `${dir}/cid`);
    expect(await control.wasOomKilled(1_700_000_000_500)).toBe(true);
    expect(argvs[0]?.slice(0, 3)).toEqual(['events', '--since', '1699999999']);
    expect(argvs[0]?.slice(5)).toEqual([
      '--filter',
      'container=lsf_7_0_1',
      '--filter',
      'event=oom',
      '--format',
      '{{.Status}}',
    ]);
    const none = scriptedExec({ events: ok('') });
    expect(await new DockerRuntime(none.exec).control('n', `${dir}/cid`).wasOomKilled(0)).toBe(false);
  });
});

describe('createRuntime: the exec door built once', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(`${tmpdir()}/lsfd-create-`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const env = (r: ReturnType<typeof createRuntime>) =>
    (r.exec as unknown as { env: Record<string, string> }).env;

  test("as the user: the user's HOME and ~/.docker, the admin's DOCKER_HOST, binary and timeout", () => {
    const config = defaultConfig();
    config.docker.host = 'unix:///run/other.sock';
    config.docker.timeout = 11;
    const r = createRuntime({
      config,
      identity: { home: '/home/alice' },
      log: memoryLogger(),
      euid: 4201,
    });
    expect(r.name).toBe('docker');
    expect([r.exec.binary, r.exec.timeout]).toEqual(['docker', 11]);
    expect(env(r)).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/home/alice',
      DOCKER_CONFIG: '/home/alice/.docker',
      LANG: 'C.UTF-8',
      DOCKER_HOST: 'unix:///run/other.sock',
    });
  });

  test('as root for a user: a private DOCKER_CONFIG with only the credentials, made at the first CLI use', () => {
    const reads: string[] = [];
    const read = (path: string) => {
      reads.push(path);
      return JSON.stringify({ auths: { 'r.example': { auth: 'eA==' } }, credsStore: 'evil' });
    };
    const r = createRuntime({
      config: defaultConfig(),
      identity: { home: '/home/alice' },
      log: memoryLogger(),
      euid: 0,
      privateDir: dir,
      readUserFile: read,
    });
    expect(reads).toEqual([]);
    expect(existsSync(`${dir}/docker`)).toBe(false);
    expect(env(r).DOCKER_CONFIG).toBe(`${dir}/docker`);
    expect(env(r).HOME).toBe(dir);
    expect(reads).toEqual(['/home/alice/.docker/config.json']);
    expect(env(r).HOME).toBe(dir);
    expect(statSync(`${dir}/docker/config.json`).mode & 0o777).toBe(0o600);
  });

  test('as root for a user without credentials to copy (exec, sweep): an empty config, never ~/.docker', () => {
    for (const privateDir of [undefined, dir]) {
      const r = createRuntime({
        config: defaultConfig(),
        identity: { home: '/home/alice' },
        log: memoryLogger(),
        euid: 0,
        privateDir,
      });
      expect(env(r).DOCKER_CONFIG).toBe('/nonexistent');
      expect(env(r).HOME).toBe(privateDir ?? '/nonexistent');
    }
  });

  test("no identity: root's own; a caller-built environment is taken as it is", () => {
    const r = createRuntime({
      config: defaultConfig(),
      identity: undefined,
      log: memoryLogger(),
      actingAsRoot: false,
    });
    expect(env(r).HOME).toBe('/root');
    const own = createRuntime({
      config: defaultConfig(),
      identity: undefined,
      log: memoryLogger(),
      actingAsRoot: true,
      environment: { PATH: '/bin', HOME: '/x' },
    });
    expect(env(own)).toEqual({ PATH: '/bin', HOME: '/x' });
  });

  test('an engine this build does not know: a config error (211)', () => {
    expect(() =>
      createRuntime({
        config: defaultConfig(),
        identity: undefined,
        log: memoryLogger(),
        actingAsRoot: false,
        engine: 'lxc' as never,
      }),
    ).toThrow(expect.objectContaining({ code: ExitCode.CONFIG }));
  });
});
