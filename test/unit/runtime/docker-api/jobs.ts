/**
 * Jobs whose containers cover every branch of the run argv and of the create body: one table for
 * the unit test of the translation and for the integration test against the real docker CLI.
 */
import { parseMountSpec } from '../../../../lib/config/mount-spec.js';
import type { Config } from '../../../../lib/config/schema.js';
import type { ContainerSpec } from '../../../../lib/runtime/container-spec.js';
import { dir, type FakeHostSpec, file } from '../../helpers/fake-host.js';
import { jobEnv, specFor, testConfig, testHost } from '../../helpers/fixtures.js';

export interface JobCase {
  env?: Record<string, string | undefined>;
  command?: string[];
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
}

function mountOf(text: string) {
  const parsed = parseMountSpec(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.mount;
}

const GPU_HOST: Partial<FakeHostSpec> = { gpus: ['0', '1', '2'] };

export const JOBS: Record<string, JobCase> = {
  'plain job': {},
  'outside LSF, no job tmpdir': {
    env: { LSB_JOBID: undefined, LSB_JOBINDEX: undefined, LSB_HOSTS: undefined },
  },
  'volumes, workdir, ports, bridge network, shareable ipc, shm size, extra hosts': {
    env: {
      LSF_DOCKER_VOLUMES: '/data/alice/in:/in:ro /data/alice/out:/out',
      LSF_DOCKER_WORKDIR: '/in',
      LSF_DOCKER_PORTS: '8080 8998-8999:80-81/udp',
      LSF_DOCKER_NETWORK: 'bridge',
      LSF_DOCKER_IPC: 'shareable',
      LSF_DOCKER_SHM_SIZE: '1g',
      LSF_DOCKER_ADD_HOST: 'db.local:10.0.0.5 gw:host-gateway',
    },
    config: (c) => {
      c.ports.requireReservation = false;
      c.network.allow = ['default', 'bridge'];
      c.ipc.allow = ['private', 'shareable'];
      c.resources.maxShmSize = 8 * 1024 ** 3;
    },
  },
  'host network and ipc, unlimited swap': {
    env: { LSF_DOCKER_NETWORK: 'host', LSF_DOCKER_IPC: 'host' },
    config: (c) => {
      c.network.allow = ['default', 'host'];
      c.ipc.allow = ['private', 'host'];
      c.resources.swap = 'unlimited';
    },
  },
  'no memory limit': { config: (c) => (c.resources.memory = undefined) },
  'environment kept and dropped, env file': {
    env: {
      FOO: 'bar',
      SPACES: '  two  words ',
      EQUALS: 'a=b=c',
      HOSTNAME: 'x',
      MULTI: 'a\nb',
      LSF_DOCKER_ENV_FILE: '/home/alice/.env',
    },
  },
  'environment not preserved': { env: { LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false', FOO: 'bar' } },
  'raw args: no script, no command, no entrypoint': {
    env: { LSF_DOCKER_RUN_RAW_ARGS: '1' },
    command: ['LSB_DOCKER_PLACE_HOLDER'],
  },
  entrypoint: { env: { LSF_DOCKER_ENTRYPOINT: '/bin/bash' } },
  'cgroup parent': {
    env: { LSF_DOCKER_CGROUP: '/lsf/job_123' },
    config: (c) => (c.security.allowCgroupParent = ['/lsf']),
  },
  'gpus allocated': {
    env: {
      CUDA_VISIBLE_DEVICES: '0,1',
      LSB_EFFECTIVE_RSRCREQ: 'select[type == any] rusage[ngpus_physical=2.00]',
    },
    host: GPU_HOST,
  },
  'all gpus, no infiniband': {
    host: GPU_HOST,
    config: (c) => {
      c.devices.gpus = 'all';
      c.devices.infiniband = [];
    },
  },
  'admin mounts with propagation, labels, caps, ulimits': {
    config: (c) => {
      c.mounts.mount = [
        mountOf('type=bind,source=/opt/tools,target=/tools,readonly,bind-propagation=rslave'),
      ];
      c.security.selinuxLabels = ['type:user_t', 'level:s0'];
      c.security.capAdd = ['KILL', 'SYS_NICE'];
      c.resources.ulimits = ['nofile=1024:2048', 'stack=-1'];
    },
    host: { paths: { '/opt/tools': dir(0), '/opt/tools/x': file(0) } },
  },
  'privileged (a trusted profile)': { config: (c) => (c.security.privileged = true) },
  'no capabilities added, no labels': {
    config: (c) => {
      c.security.capAdd = [];
      c.security.selinuxLabels = [];
    },
  },
  'interactive piped': { env: { LSB_INTERACTIVE: 'Y' }, host: { tty: false } },
  'interactive with a terminal': { env: { LSB_INTERACTIVE: 'Y' }, host: { tty: true } },
};

/** The decided container of JOB in the unit tests' fixed world. */
export function specOf(job: JobCase): ContainerSpec {
  return specFor({
    env: jobEnv(job.env),
    command: job.command ?? ['echo', 'hi'],
    config: testConfig(job.config),
    host: testHost(job.host),
  });
}
