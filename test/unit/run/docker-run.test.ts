/** The run service's pieces that need no daemon: the private dir's contents, the start-up sweep's report. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import type { PreparedJob } from '../../../lib/job/prepare.js';
import { sweepAtStart } from '../../../lib/run/docker-run.js';
import { privateDirContents } from '../../../lib/run/job-files.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import { memoryLogger } from '../job/helpers.js';

const job = (over: Partial<PreparedJob> = {}) =>
  ({
    spec: {
      name: 'lsf_77_0_4242',
      labels: [
        ['lsf-docker.managed', 'true'],
        ['lsf-docker.job', '77'],
      ],
    },
    files: { passwd: 'p\n', group: 'g\n', script: '#!/bin/sh\ntrue\n', env: 'A=1\n' },
    identity: { uid: 4201 },
    probe: { hostname: 'node1' },
    ...over,
  }) as unknown as PreparedJob;

describe('the private dir docker_run writes', () => {
  test('the rendered files, and an owner record naming the container, job, host, uid and this pid', () => {
    expect(privateDirContents(job(), new Date('2026-12-01T09:00:00Z'))).toEqual({
      passwd: 'p\n',
      group: 'g\n',
      script: '#!/bin/sh\ntrue\n',
      env: 'A=1\n',
      owner: {
        pid: process.pid,
        host: 'node1',
        uid: 4201,
        container: 'lsf_77_0_4242',
        job: '77',
        started: '2026-12-01T09:00:00.000Z',
      },
    });
  });
});

describe('the start-up sweep', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(`${tmpdir()}/lsfd-run-`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('nothing stale: no runtime call, nothing logged', async () => {
    const config = defaultConfig();
    config.paths.tmpRoot = root;
    const runtime = fakeRuntime();
    const log = memoryLogger();
    await sweepAtStart(runtime, job({ config }), log);
    expect(runtime.ops()).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  test('a problem is a warning, never a failure', async () => {
    const config = defaultConfig();
    config.paths.tmpRoot = '/nonexistent/lsfd';
    const log = memoryLogger();
    const runtime = fakeRuntime();
    runtime.find = async () => {
      throw new Error('boom');
    };
    await expect(sweepAtStart(runtime, job({ config }), log)).resolves.toBeUndefined();
  });
});
