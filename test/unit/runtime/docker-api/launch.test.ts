/**
 * A job through the Engine API runtime against a scripted daemon (fake-daemon.ts), driven by
 * the job layer itself (runJob): the calls `docker run` makes, in its order, the cidfile, the
 * job's streams and status, and what each failure becomes. Every case runs twice: connections
 * through node:net, and through the addon's descriptors (connect.ts, fd-connection.ts) when it
 * can be built here, as an installed wrapper makes them.
 */

import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../../lib/config/schema.js';
import { jobFilesIn } from '../../../../lib/host/private-dir.js';
import { runJob } from '../../../../lib/job/run-job.js';
import { isWrapperError } from '../../../../lib/kernel/errors.js';
import { EngineClient } from '../../../../lib/runtime/docker-api/client.js';
import { type Connector, connectorOf } from '../../../../lib/runtime/docker-api/connect.js';
import type { SocketCalls } from '../../../../lib/runtime/docker-api/fd-connection.js';
import { DockerApiRuntime } from '../../../../lib/runtime/docker-api/runtime.js';
import { fakeRuntime } from '../../../../lib/runtime/fake.js';
import { buildAddon, canBuild } from '../../helpers/native-addon.js';
import { memoryLogger } from '../../job/helpers.js';
import { CONTAINER_ID, type DaemonScript, FakeDaemon } from './fake-daemon.js';
import { JOBS, specOf } from './jobs.js';

const daemons: FakeDaemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const built = canBuild ? buildAddon() : undefined;
afterAll(() => built?.remove());
/** The connections of the cases now running (undefined: node:net). */
let connect: Connector | undefined;
const TRANSPORTS: Array<[string, Connector | undefined]> = [
  ['node:net', undefined],
  ...(built
    ? [['the addon', connectorOf(built.addon as unknown as SocketCalls)] as [string, Connector]]
    : []),
];

function collect(stream: PassThrough): () => string {
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  return () => Buffer.concat(parts).toString();
}

async function harness(
  script: DaemonScript,
  job = 'plain job',
  opts: { socketPath?: string; stdin?: string } = {},
) {
  const daemon = await new FakeDaemon(script).listen();
  daemons.push(daemon);
  const dir = mkdtempSync(path.join(tmpdir(), 'lsfd-api-job-'));
  dirs.push(dir);
  const files = jobFilesIn(dir);
  const log = memoryLogger();
  const cli = fakeRuntime({ images: [] });
  const socketPath = opts.socketPath ?? daemon.socketPath;
  const client = new EngineClient({ socketPath, timeout: 2, log, ...(connect ? { connect } : {}) });
  const stdout = new PassThrough();
  const stdin = new PassThrough();
  const runtime = new DockerApiRuntime(cli.exec, client, log, { stdout, stdin });
  const config = defaultConfig();
  config.docker.timeout = 2;
  config.job.terminateInterval = 1;
  const stderr: string[] = [];
  const spec = specOf(JOBS[job]!);
  const out = collect(stdout);
  if (opts.stdin !== undefined) stdin.end(opts.stdin);
  const ctx = {
    spec,
    files,
    config,
    runtime,
    log,
    signals: new EventEmitter(),
    stderr: (c: Buffer | string) => stderr.push(String(c)),
  };
  return { daemon, files, cli, ctx, out, stderr, log };
}

describe.each(TRANSPORTS)('connections through %s', (_name, transport) => {
  beforeEach(() => {
    connect = transport;
  });

  describe("a job's run through the API", () => {
    test('create, attach and wait before start; the id in the cidfile; output and status passed on', async () => {
      const h = await harness({
        frames: [
          [1, 'out\n'],
          [2, 'err\n'],
        ],
        exitCode: 3,
      });
      expect(await runJob(h.ctx)).toBe(3);
      expect(h.daemon.calls()).toEqual([
        'POST /containers/create',
        `POST /containers/${CONTAINER_ID}/attach`,
        `POST /containers/${CONTAINER_ID}/wait`,
        `POST /containers/${CONTAINER_ID}/start`,
      ]);
      expect(readFileSync(h.files.cidfile, 'utf8')).toBe(CONTAINER_ID);
      expect(h.out()).toBe('out\n');
      expect(h.stderr.join('')).toBe('err\n');
      const create = h.daemon.requests[0]!;
      expect(create.path).toBe(`/v1.41/containers/create?name=${h.ctx.spec.name}`);
      expect(JSON.parse(create.body).HostConfig.AutoRemove).toBe(true);
      expect(h.daemon.requests[2]!.path).toContain('condition=removed');
      expect(h.daemon.requests[1]!.path).not.toContain('stdin=1');
    });

    test("the daemon's warnings reach stderr as the CLI prints them", async () => {
      const h = await harness({ create: { status: 201, warnings: ['swap limit not supported'] } });
      expect(await runJob(h.ctx)).toBe(0);
      expect(h.stderr.join('')).toBe('WARNING: swap limit not supported\n');
    });

    test('an interactive job gets its stdin, closed when the wrapper stdin ends', async () => {
      const h = await harness({ echoStdin: true }, 'interactive piped', { stdin: 'hello\n' });
      expect(await runJob(h.ctx)).toBe(0);
      expect(h.daemon.requests[1]!.path).toContain('stdin=1');
      expect(JSON.parse(h.daemon.requests[0]!.body)).toMatchObject({ OpenStdin: true, StdinOnce: true });
      expect(h.out()).toBe('stdin: hello\n');
    });

    test('an API version the daemon refuses: the one it names, then on', async () => {
      const h = await harness({ minVersion: '1.44', exitCode: 5 });
      expect(await runJob(h.ctx)).toBe(5);
      expect(h.daemon.requests.map((r) => r.path.split('/')[1])).toEqual([
        'v1.41',
        'v1.44',
        'v1.44',
        'v1.44',
        'v1.44',
      ]);
    });
  });

  describe('what a failed run becomes', () => {
    const failure = async (script: DaemonScript, opts: { socketPath?: string; pull?: 'never' } = {}) => {
      const h = await harness(script, 'plain job', opts);
      if (opts.pull) h.ctx.config.docker.pull = opts.pull;
      const error = await runJob(h.ctx).then(
        (status) => ({ status }),
        (err: unknown) => (isWrapperError(err) ? { code: err.code, message: err.message } : { err }),
      );
      return { h, error };
    };

    test('no daemon at the socket: 215, nothing else tried', async () => {
      const { error, h } = await failure({}, { socketPath: '/nonexistent/docker.sock' });
      expect(error).toEqual({
        code: 215,
        message:
          'docker: cannot reach the docker daemon at unix:///nonexistent/docker.sock: connect ENOENT /nonexistent/docker.sock',
      });
      expect(h.cli.ops()).toEqual([]);
    });

    test('no such image: pulled (through the CLI), then created again', async () => {
      let creates = 0;
      const { h, error } = await failure({
        answers: [
          {
            method: 'POST',
            prefix: '/containers/create',
            status: 404,
            get body() {
              creates++;
              return JSON.stringify({ message: 'No such image: lsf-docker-test/busybox:latest' });
            },
          },
        ],
      });
      // The scripted daemon keeps saying 404: pulled once (the image then inspected for the pull's end line), then the second create fails for good.
      expect(creates).toBe(2);
      expect(h.cli.ops()).toEqual(['pull:lsf-docker-test/busybox:latest', 'image']);
      expect(error).toMatchObject({ code: 217 });
    });

    test('no such image with pull policy never: 217 with the daemon reason', async () => {
      const { error, h } = await failure(
        { create: { status: 404, message: 'No such image: lsf-docker-test/busybox:latest' } },
        { pull: 'never' },
      );
      expect(error).toEqual({
        code: 217,
        message:
          'image: image lsf-docker-test/busybox:latest is not on this host (pull policy never): No such image: lsf-docker-test/busybox:latest',
      });
      expect(h.cli.ops()).toEqual([]);
    });

    test('a create the daemon refuses: 220 with its reason', async () => {
      const { error } = await failure({
        create: {
          status: 400,
          message: 'invalid mount config for type "bind": bind source path does not exist: /x',
        },
      });
      expect(error).toMatchObject({ code: 220 });
      expect((error as { message: string }).message).toContain('bind source path does not exist');
    });

    test("a refused start: docker's line passes through, then the wrapper's own", async () => {
      const said =
        'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown';
      const { error, h } = await failure({ start: { status: 400, message: said } });
      expect(h.stderr.join('')).toBe(`docker: Error response from daemon: ${said}\n`);
      expect(error).toMatchObject({ code: 220 });
      expect((error as { message: string }).message).toContain('has no /bin/sh');
    });

    test('a hung daemon: the watchdog gives 216 and the container is removed by name', async () => {
      const { error, h } = await failure({ hang: true });
      expect(error).toMatchObject({ code: 216 });
      expect((error as { message: string }).message).toMatch(/within 2s: the docker daemon seems hung/);
      expect(h.daemon.calls()).toEqual(['POST /containers/create', `DELETE /containers/${h.ctx.spec.name}`]);
    }, 20_000);
  });
});
