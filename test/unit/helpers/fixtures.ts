/**
 * The fixed world of the unit tests: one user (alice, uid 4201), one admin config, one host with
 * a few interesting paths (allowed roots, a private dir, symlinks out of the roots, a docker
 * socket, infiniband devices, an admin mount source), and a helper running the pure pipeline
 * parse -> policy -> argv on a job environment.
 */

import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import type { Identity } from '../../../lib/host/identity.js';
import { jobFilesIn } from '../../../lib/host/private-dir.js';
import type { JobRecord } from '../../../lib/local/record.js';
import { decideContainerSpec } from '../../../lib/policy/decide.js';
import type { RuleContext } from '../../../lib/policy/rules/rule.js';
import type { JobRequest } from '../../../lib/request/job-request.js';
import { parseJobRequest } from '../../../lib/request/parse.js';
import type { ContainerSpec } from '../../../lib/runtime/container-spec.js';
import { dockerRunArgv } from '../../../lib/runtime/docker/argv/run.js';
import { device, dir, type FakeHost, type FakeHostSpec, fakeHost, file, socket } from './fake-host.js';

export const ALICE: Identity = {
  uid: 4201,
  gid: 4201,
  groups: [100, 4300],
  user: 'alice',
  home: '/home/alice',
  shell: '/bin/bash',
  groupNames: new Map([
    [4201, 'alice'],
    [100, 'users'],
    [4300, 'lab'],
  ]),
};

/** The private dir the wrapper would create for the job. */
export const PRIVATE_DIR = '/tmp/lsf-docker.4201.AbC123';
export const FILES = jobFilesIn(PRIVATE_DIR);

export const JOB_FILE = '/home/alice/.lsbatch/1700000000.123';

/** The admin config of the tests: two volume roots, the RIS defaults otherwise. */
export function testConfig(change: (c: Config) => void = () => {}): Config {
  const config = defaultConfig();
  config.volumes.allow = ['/data', '/scratch'];
  config.local.slots = 2;
  change(config);
  return config;
}

/** The host: paths, links, files. Extend it per test with hostSpec({ ... }). */
export function hostSpec(extra: Partial<FakeHostSpec> = {}): FakeHostSpec {
  const base = baseHost();
  return {
    ...base,
    ...extra,
    paths: { ...base.paths, ...extra.paths },
    symlinks: { ...base.symlinks, ...extra.symlinks },
    files: { ...base.files, ...extra.files },
  };
}

function baseHost(): FakeHostSpec {
  const A = ALICE.uid;
  return {
    paths: {
      '/': dir(0),
      '/home': dir(0),
      '/home/alice': dir(A, 0o750),
      '/home/alice/work': dir(A),
      '/home/alice/.lsbatch': dir(A, 0o700),
      [JOB_FILE]: file(A, 0o700),
      '/home/alice/.env': file(A, 0o600),
      '/home/alice/hosts': file(A, 0o600),
      '/home/bob': dir(4202, 0o700),
      '/data': dir(0),
      '/data/alice': dir(A),
      '/data/alice/in': dir(A),
      '/data/alice/out': dir(A),
      '/data/shared': dir(0, 0o755),
      '/data/locked': dir(0, 0o700),
      '/data/readme': file(0),
      '/scratch': dir(0, 0o1777),
      '/scratch/alice': dir(A),
      '/opt': dir(0),
      '/opt/tools': dir(0),
      '/etc': dir(0),
      '/etc/passwd': file(0),
      '/etc/shadow': file(0, 0o640),
      '/tmp': dir(0, 0o1777),
      '/tmp/123.tmpdir': dir(A, 0o700),
      '/tmp/124.tmpdir': dir(4202, 0o700),
      '/tmp/123_7.tmpdir': dir(A, 0o700),
      [PRIVATE_DIR]: dir(A, 0o700),
      '/proc': dir(0, 0o555),
      '/proc/1': dir(0, 0o555),
      '/sys': dir(0, 0o555),
      '/dev': dir(0),
      '/dev/shm': dir(0, 0o1777),
      '/dev/infiniband': dir(0),
      '/dev/infiniband/uverbs0': device(),
      '/dev/infiniband/rdma_cm': device(),
      '/var': dir(0),
      '/var/run': dir(0),
      '/var/run/docker.sock': socket(0),
      '/run': dir(0),
    },
    symlinks: {
      '/scratch/alice/etc': '/etc',
      '/scratch/alice/proc': '/proc/1',
      '/scratch/alice/sock': '/var/run',
      '/scratch/alice/root': '/',
      '/scratch/alice/loop': '/scratch/alice/loop',
      '/data/alice/shared': '../shared',
      '/home/alice/data': '/data/alice',
      '/home/alice/bob': '/home/bob',
      '/run/docker.sock': '/var/run/docker.sock',
    },
    files: {
      '/home/alice/.env': 'FROM_FILE=1\nexport EXPORTED=two words\n# comment\n',
      '/home/alice/hosts': 'db.local:10.0.0.5\n# comment\ngw:host-gateway\n',
      [JOB_FILE]: '#!/bin/sh\n# LSBATCH: User input\necho from the job file\n',
    },
    hostname: 'node1',
    pid: 4242,
  };
}

export function testHost(extra: Partial<FakeHostSpec> = {}): FakeHost {
  return fakeHost(hostSpec(extra), ALICE);
}

/** The minimum LSF sets for a batch job submitted from /home/alice/work. */
export function jobEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    LSB_CONTAINER_IMAGE: 'lsf-docker-test/busybox:latest',
    LSB_JOBID: '123',
    LSB_JOBINDEX: '0',
    LS_SUBCWD: '/home/alice/work',
    LSB_HOSTS: 'node1',
    PATH: '/usr/bin:/bin',
    ...extra,
  };
}

export interface PipelineInput {
  env: Record<string, string | undefined>;
  command: string[];
  config?: Config;
  host?: FakeHost;
  identity?: Identity;
}

/** parse -> policy: the ContainerSpec, or the WrapperError thrown. */
export function specFor({ env, command, config, host, identity }: PipelineInput): ContainerSpec {
  const request = parseJobRequest(env, command, { cwd: '/home/alice/work', hostname: 'node1' });
  return decideContainerSpec({
    request,
    config: config ?? testConfig(),
    identity: identity ?? ALICE,
    probe: host ?? testHost(),
  });
}

/** parse -> policy -> argv. */
export function argvFor(input: PipelineInput): string[] {
  return dockerRunArgv(specFor(input), FILES);
}

/** The JobRequest of a job environment (LSF's minimum plus EXTRA), for rule tests. */
export function requestFor(
  extra: Record<string, string | undefined> = {},
  command = ['echo', 'hi'],
): JobRequest {
  return parseJobRequest(jobEnv(extra), command, { cwd: '/home/alice/work', hostname: 'node1' });
}

/** A rule's context: the test config (changed by CHANGE), alice, the test host (extended by HOST). */
export function ruleContext(change?: (c: Config) => void, host?: Partial<FakeHostSpec>): RuleContext {
  return { config: testConfig(change), identity: ALICE, probe: testHost(host) };
}

/** A local LSF job record of alice's: job 1, pending, `true`; OVER changes what a test needs. */
export const jobRecord = (over: Partial<JobRecord> = {}): JobRecord => ({
  id: 1,
  index: 0,
  name: 'job',
  user: 'alice',
  uid: 4201,
  home: '/home/alice',
  queue: 'normal',
  command: 'true',
  words: ['true'],
  submitHost: 'h',
  submitTime: 1_700_000_000_000,
  subcwd: '/w',
  cwd: '/w',
  slots: 1,
  ports: [],
  gpus: 0,
  status: 'PEND',
  ...over,
});
