/**
 * Golden dry-runs: for a table of jobs, the whole pure pipeline (request -> policy -> spec ->
 * runtime argv and rendered files) against the fixed world of the unit tests, compared with
 * `dry-run.golden.json`, recorded before the architecture step (issue 9) moved any code.
 * A change in what a job gets must be deliberate: regenerate with GOLDEN_UPDATE=1 and review the
 * diff. Only the adapter `dryRunOf` below may change when modules move; the JSON may not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMountSpec } from '../../../lib/config/mount-spec.js';
import type { Config } from '../../../lib/config/schema.js';
import { renderJobFiles } from '../../../lib/job/artifacts.js';
import { WrapperError } from '../../../lib/kernel/errors.js';
import { dockerPullArgv, dockerRunArgv } from '../../../lib/runtime/docker/argv/run.js';
import { dir, type FakeHostSpec, file } from '../helpers/fake-host.js';
import { FILES, JOB_FILE, jobEnv, specFor, testConfig, testHost } from '../helpers/fixtures.js';

interface Case {
  env?: Record<string, string | undefined>;
  command?: string[];
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
}

function dryRunOf({ env = {}, command = ['echo', 'hi'], config, host }: Case): unknown {
  try {
    const spec = specFor({ env: jobEnv(env), command, config: testConfig(config), host: testHost(host) });
    const files = renderJobFiles(spec);
    return {
      pull: spec.image.pull === 'never' ? null : dockerPullArgv(spec.image.ref),
      pull_policy: spec.image.pull,
      run: dockerRunArgv(spec, FILES),
      files: { passwd: files.passwd, group: files.group, script: files.script ?? null, env: files.env },
      decisions: spec.decisions,
    };
  } catch (err) {
    if (!(err instanceof WrapperError)) throw err;
    return { code: err.code, error: err.message };
  }
}

function mountOf(text: string) {
  const parsed = parseMountSpec(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.mount;
}

const GPU_HOST: Partial<FakeHostSpec> = { gpus: ['0', '1', '2'] };

const CASES: Record<string, Case> = {
  'plain job': {},
  'shell words in the command': { command: ['sh', '-c', 'echo "$HOME" | tr a-z A-Z; exit 3'] },
  'array element': { env: { LSB_JOBID: '123', LSB_JOBINDEX: '7' } },
  'outside LSF': { env: { LSB_JOBID: undefined, LSB_JOBINDEX: undefined, LSB_HOSTS: undefined } },
  'job tmpdir': { env: { TMPDIR: '/tmp/123.tmpdir' } },
  volumes: {
    env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/in:ro /data/alice/out:/out /scratch/alice:/scratch/alice' },
  },
  'volume through a link': { env: { LSF_DOCKER_VOLUMES: '/home/alice/data:/d' } },
  'volume outside the roots': { env: { LSF_DOCKER_VOLUMES: '/etc:/etc2' } },
  'volume onto a wrapper path': { env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/lsf-docker' } },
  'bad volume syntax': { env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/in:rw:x' } },
  workdir: { env: { LSF_DOCKER_WORKDIR: '/in', LSF_DOCKER_VOLUMES: '/data/alice/in:/in' } },
  'network host and ipc': {
    env: { LSF_DOCKER_NETWORK: 'host', LSF_DOCKER_IPC: 'host' },
    config: (c) => {
      c.network.allow = ['default', 'host'];
      c.ipc.allow = ['private', 'host'];
    },
  },
  'network refused': { env: { LSF_DOCKER_NETWORK: 'host' }, config: (c) => (c.network.allow = ['default']) },
  'shm size': { env: { LSF_DOCKER_SHM_SIZE: '1g' }, config: (c) => (c.resources.maxShmSize = 8 * 1024 ** 3) },
  ports: {
    env: { LSF_DOCKER_PORTS: '8080 8998-8999:80-81/udp' },
    config: (c) => (c.ports.requireReservation = false),
  },
  'add host': { env: { LSF_DOCKER_ADD_HOST: 'db.local:10.0.0.5 gw:host-gateway' } },
  'add host file': { env: { LSF_DOCKER_ADD_HOST_FILE: '/home/alice/hosts' } },
  'env file': { env: { LSF_DOCKER_ENV_FILE: '/home/alice/.env' } },
  'environment not preserved': { env: { LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false', FOO: 'bar' } },
  'environment kept and dropped': {
    env: { FOO: 'bar', HOSTNAME: 'x', 'BASH_FUNC_f%%': '() { :; }', MULTI: 'a\nb', AWS_SECRET: 's' },
    config: (c) => (c.environment.deny = ['AWS_.*']),
  },
  'raw args': { env: { LSF_DOCKER_RUN_RAW_ARGS: '1' }, command: ['LSB_DOCKER_PLACE_HOLDER'] },
  entrypoint: { env: { LSF_DOCKER_ENTRYPOINT: '/bin/bash' } },
  'job file': { env: { LSB_JOBFILENAME: JOB_FILE }, command: [JOB_FILE] },
  'cgroup parent': {
    env: { LSF_DOCKER_CGROUP: '/lsf/job_123' },
    config: (c) => (c.security.allowCgroupParent = ['/lsf']),
  },
  'memory from RLIMIT_RSS': { host: { rss: 2 * 1024 ** 3 } },
  'memory capped': { host: { rss: 64 * 1024 ** 3 }, config: (c) => (c.resources.maxMemory = 8 * 1024 ** 3) },
  slots: { env: { LSB_MCPU_HOSTS: 'node0 1 node1 4' } },
  'gpus allocated': {
    env: {
      CUDA_VISIBLE_DEVICES: '0,1',
      LSB_EFFECTIVE_RSRCREQ: 'select[type == any] rusage[ngpus_physical=2.00]',
    },
    host: GPU_HOST,
  },
  'all gpus': { host: GPU_HOST, config: (c) => (c.devices.gpus = 'all') },
  'gpus not asked': { env: { CUDA_VISIBLE_DEVICES: '0,1' }, host: GPU_HOST },
  'no infiniband': { config: (c) => (c.devices.infiniband = []) },
  'admin mounts, labels, caps, ulimits': {
    config: (c) => {
      c.mounts.mount = [
        mountOf('type=bind,source=/opt/tools,target=/tools,readonly,bind-propagation=rslave'),
        mountOf('type=bind,source=/opt/missing,target=/missing'),
      ];
      c.security.selinuxLabels = ['type:user_t', 'level:s0'];
      c.security.capAdd = ['KILL', 'SYS_NICE'];
      c.resources.ulimits = ['nofile=1024:2048'];
    },
    host: { paths: { '/opt/tools': dir(0), '/opt/tools/bin': dir(0), '/opt/tools/x': file(0) } },
  },
  'interactive with a terminal': { env: { LSB_INTERACTIVE: 'Y' }, host: { tty: true } },
  'interactive piped': { env: { LSB_INTERACTIVE: 'Y' }, host: { tty: false } },
  'pull always': { config: (c) => (c.docker.pull = 'always') },
  'pull never': { config: (c) => (c.docker.pull = 'never') },
  'registry not allowed': {
    env: { LSB_CONTAINER_IMAGE: 'evil.example.com/x:1' },
    config: (c) => (c.images.allowRegistries = ['registry.local']),
  },
  'bad image': { env: { LSB_CONTAINER_IMAGE: 'UPPER/Case' } },
  'several bad variables': {
    env: { LSF_DOCKER_NETWORK: 'a b', LSF_DOCKER_SHM_SIZE: 'lots', LSF_DOCKER_PORTS: '80' },
  },
};

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dry-run.golden.json');

describe('golden dry-runs (unchanged since before the architecture step)', () => {
  const actual = Object.fromEntries(Object.entries(CASES).map(([name, c]) => [name, dryRunOf(c)]));
  if (process.env.GOLDEN_UPDATE === '1') writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`);
  const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, unknown>;

  test('every case is recorded', () => {
    expect(Object.keys(actual).sort()).toEqual(Object.keys(golden).sort());
  });
  test.each(Object.keys(CASES))('%s', (name) => {
    expect(actual[name]).toEqual(golden[name]);
  });
});
