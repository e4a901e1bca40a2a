/**
 * The API runtime's verdicts and queries: failures before the container's status, control
 * results, OOM events, label queries, top, image presence, and the factory's choice of
 * transport ([docker] transport, [docker] host).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../../lib/config/schema.js';
import { createRuntime } from '../../../../lib/runtime/create.js';
import { DockerRuntime } from '../../../../lib/runtime/docker/runtime.js';
import { classifyApiFailure } from '../../../../lib/runtime/docker-api/classify.js';
import { EngineClient } from '../../../../lib/runtime/docker-api/client.js';
import {
  ApiControl,
  apiControlResult,
  hasOomEvent,
  oomEventsPath,
} from '../../../../lib/runtime/docker-api/control.js';
import { socketPathOf } from '../../../../lib/runtime/docker-api/create.js';
import { DockerApiRuntime, labelFilters, topPids } from '../../../../lib/runtime/docker-api/runtime.js';
import { fakeRuntime } from '../../../../lib/runtime/fake.js';
import { memoryLogger } from '../../job/helpers.js';
import { FakeDaemon } from './fake-daemon.js';

const IMAGE = 'lsf-docker-test/busybox:latest';
const opts = { socket: '/var/run/docker.sock', image: IMAGE, mayPull: true };

describe('a run that failed before the container had a status', () => {
  test.each<[string, Parameters<typeof classifyApiFailure>[0], boolean, unknown]>([
    [
      'no daemon',
      { stage: 'connect', message: 'connect ECONNREFUSED /var/run/docker.sock' },
      true,
      { kind: 'start-failure', code: 215 },
    ],
    [
      'no image, may pull',
      { stage: 'create', status: 404, message: `No such image: ${IMAGE}` },
      true,
      { kind: 'image-missing' },
    ],
    [
      'no image, may not pull',
      { stage: 'create', status: 404, message: `No such image: ${IMAGE}` },
      false,
      { kind: 'start-failure', code: 217 },
    ],
    [
      'a name in use',
      { stage: 'create', status: 409, message: 'Conflict. The container name "/x" is already in use' },
      true,
      { kind: 'start-failure', code: 220 },
    ],
    [
      'a refused mount',
      {
        stage: 'create',
        status: 400,
        message: 'invalid mount config for type "bind": bind source path does not exist: /x',
      },
      true,
      { kind: 'start-failure', code: 220 },
    ],
    [
      'the daemon lost at attach',
      { stage: 'attach', message: 'the daemon closed the connection' },
      true,
      { kind: 'lost', code: 215 },
    ],
    [
      'the daemon lost in the wait',
      { stage: 'wait', message: 'unexpected EOF' },
      true,
      { kind: 'lost', code: 215 },
    ],
  ])('%s', (_name, failure, mayPull, expected) => {
    const verdict = classifyApiFailure(failure, { ...opts, mayPull });
    const code = 'error' in verdict ? verdict.error?.code : undefined;
    expect({ kind: verdict.kind, ...(code !== undefined ? { code } : {}) }).toEqual(expected);
  });
});

describe('control answers', () => {
  test.each<[number, string, unknown]>([
    [204, '', { ok: true }],
    [404, '{"message":"No such container: x"}', { ok: false, absent: true, message: 'No such container: x' }],
    [
      409,
      '{"message":"Container x is not running"}',
      { ok: false, absent: true, message: 'Container x is not running' },
    ],
    [
      409,
      '{"message":"Container x is not paused"}',
      { ok: false, absent: false, message: 'Container x is not paused' },
    ],
    [500, '{"message":"boom"}', { ok: false, absent: false, message: 'boom' }],
  ])('%i %s', (status, text, expected) => {
    expect(apiControlResult(status, text)).toEqual(expected);
  });

  test('OOM events: the query and the answer', () => {
    expect(decodeURIComponent(oomEventsPath('abc', 10, 20))).toBe(
      '/events?since=10&until=20&filters={"container":["abc"],"event":["oom"]}',
    );
    expect(hasOomEvent('{"status":"oom","id":"abc"}\n{"status":"die"}\n')).toBe(true);
    expect(hasOomEvent('{"Action":"die"}\n')).toBe(false);
    expect(hasOomEvent('')).toBe(false);
  });

  test('label filters and top', () => {
    expect(decodeURIComponent(labelFilters({ a: '1', 'b.c': 'x y' }))).toBe('{"label":["a=1","b.c=x y"]}');
    expect(topPids('{"Titles":["UID","PID"],"Processes":[["0","12"],["1","x"],["2","13"]]}')).toEqual([
      12, 13,
    ]);
    expect(topPids('not json')).toEqual([]);
  });
});

describe('the API runtime against a daemon', () => {
  const daemons: FakeDaemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.close();
  });
  const runtimeOn = async (answers: ConstructorParameters<typeof FakeDaemon>[0]) => {
    const daemon = await new FakeDaemon(answers).listen();
    daemons.push(daemon);
    const log = memoryLogger();
    const client = new EngineClient({ socketPath: daemon.socketPath, timeout: 2, log });
    return { daemon, runtime: new DockerApiRuntime(fakeRuntime().exec, client, log) };
  };

  test('imagePresent: 200 yes, 404 no; no daemon: 215', async () => {
    const { runtime } = await runtimeOn({
      answers: [
        { method: 'GET', prefix: `/images/${IMAGE}/json`, status: 200, body: '{"Id":"sha256:1"}' },
        { method: 'GET', prefix: '/images/', status: 404, body: '{"message":"No such image"}' },
      ],
    });
    expect(await runtime.imagePresent(IMAGE)).toBe(true);
    expect(await runtime.imagePresent('other:1')).toBe(false);
    const log = memoryLogger();
    const none = new DockerApiRuntime(
      fakeRuntime().exec,
      new EngineClient({ socketPath: '/nonexistent/s', timeout: 1, log }),
      log,
    );
    await expect(none.imagePresent(IMAGE)).rejects.toMatchObject({ code: 215 });
  });

  test("imageLayers: overlay2's upper then lower dirs from the inspect answer; another driver: unreadable, named; none: absent", async () => {
    const graph = (name: string) =>
      JSON.stringify({
        Id: 'sha256:1',
        GraphDriver: {
          Name: name,
          Data: { UpperDir: '/var/lib/docker/overlay2/u/diff', LowerDir: '/l1:/l2' },
        },
      });
    const { runtime } = await runtimeOn({
      answers: [
        { method: 'GET', prefix: `/images/${IMAGE}/json`, status: 200, body: graph('overlay2') },
        { method: 'GET', prefix: '/images/vfs:1/json', status: 200, body: graph('vfs') },
        { method: 'GET', prefix: '/images/', status: 404, body: '{"message":"No such image"}' },
      ],
    });
    expect(await runtime.imageLayers(IMAGE)).toEqual({
      kind: 'layers',
      dirs: ['/var/lib/docker/overlay2/u/diff', '/l1', '/l2'],
    });
    expect(await runtime.imageLayers('vfs:1')).toEqual({ kind: 'unreadable', driver: 'vfs' });
    expect(await runtime.imageLayers('other:1')).toEqual({ kind: 'absent' });
  });

  test('find: the listed containers inspected, one removed meanwhile skipped, labels checked again', async () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const inspect = (id: string, labels: Record<string, string>) =>
      JSON.stringify({
        Id: id,
        Name: `/n-${id[0]}`,
        State: { Running: true },
        Config: { Labels: labels, User: '4201:4201', WorkingDir: '/w' },
      });
    const { runtime, daemon } = await runtimeOn({
      answers: [
        {
          method: 'GET',
          prefix: '/containers/json',
          status: 200,
          body: JSON.stringify([{ Id: a }, { Id: b }, { Id: 'c'.repeat(64) }]),
        },
        {
          method: 'GET',
          prefix: `/containers/${a}/json`,
          status: 200,
          body: inspect(a, { 'lsf-docker.uid': '4201' }),
        },
        {
          method: 'GET',
          prefix: `/containers/${b}/json`,
          status: 200,
          body: inspect(b, { 'lsf-docker.uid': '9' }),
        },
      ],
    });
    const found = await runtime.find({ 'lsf-docker.uid': '4201' });
    expect(found).toEqual([
      {
        id: a,
        name: 'n-a',
        labels: { 'lsf-docker.uid': '4201' },
        running: true,
        user: '4201:4201',
        workdir: '/w',
      },
    ]);
    expect(decodeURIComponent(daemon.requests[0]!.path)).toContain(
      'filters={"label":["lsf-docker.uid=4201"]}',
    );
  });

  test('control: by name before the cidfile, kill with the signal, pause, unpause, remove with force and volumes', async () => {
    const { runtime, daemon } = await runtimeOn({
      answers: [
        { method: 'POST', prefix: '/containers/job1/kill', status: 204, body: '' },
        {
          method: 'POST',
          prefix: '/containers/job1/pause',
          status: 409,
          body: '{"message":"Container job1 is not running"}',
        },
        { method: 'POST', prefix: '/containers/job1/unpause', status: 204, body: '' },
      ],
    });
    const control = runtime.control('job1', '/nonexistent/cid');
    expect(control).toBeInstanceOf(ApiControl);
    expect(control.created()).toBe(false);
    expect(await control.signal('SIGTERM')).toEqual({ ok: true });
    expect(await control.pause()).toEqual({
      ok: false,
      absent: true,
      message: 'Container job1 is not running',
    });
    expect(await control.resume()).toEqual({ ok: true });
    expect(await control.remove()).toEqual({ ok: true });
    expect(daemon.requests.map((r) => `${r.method} ${r.path.replace(/^\/v[\d.]+/, '')}`)).toEqual([
      'POST /containers/job1/kill?signal=SIGTERM',
      'POST /containers/job1/pause',
      'POST /containers/job1/unpause',
      'DELETE /containers/job1?force=1&v=1',
    ]);
  });
});

describe('which transport', () => {
  test('[docker] host: the default socket, a unix path, none for tcp and ssh', () => {
    expect(socketPathOf(undefined)).toBe('/var/run/docker.sock');
    expect(socketPathOf('unix:///run/user/1/docker.sock')).toBe('/run/user/1/docker.sock');
    expect(socketPathOf('tcp://10.0.0.1:2376')).toBeUndefined();
    expect(socketPathOf('ssh://build@host')).toBeUndefined();
  });

  test('[docker] transport chooses the runtime; a tcp daemon keeps the CLI', () => {
    const make = (change: (c: ReturnType<typeof defaultConfig>) => void) => {
      const config = defaultConfig();
      change(config);
      return createRuntime({
        config,
        identity: { home: '/home/alice' },
        log: memoryLogger(),
        actingAsRoot: false,
      });
    };
    expect(defaultConfig().docker.transport).toBe('api');
    expect(make(() => {})).toBeInstanceOf(DockerApiRuntime);
    expect(make((c) => (c.docker.transport = 'api'))).toBeInstanceOf(DockerApiRuntime);
    const cli = make((c) => (c.docker.transport = 'cli'));
    expect(cli).toBeInstanceOf(DockerRuntime);
    expect(cli).not.toBeInstanceOf(DockerApiRuntime);
    expect(
      make((c) => {
        c.docker.transport = 'api';
        c.docker.host = 'tcp://10.0.0.1:2376';
      }),
    ).not.toBeInstanceOf(DockerApiRuntime);
    expect(make((c) => (c.docker.binary = '/opt/docker/bin/docker')).exec.binary).toBe(
      '/opt/docker/bin/docker',
    );
  });
});
