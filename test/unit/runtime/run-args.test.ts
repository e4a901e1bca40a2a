/**
 * Golden argv: the whole pure pipeline (job environment -> parse -> policy -> argv) per scenario,
 * compared with the complete `docker run` argv written out by hand.
 */

import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { PLACE_HOLDER } from '../../../lib/request/job-request.js';
import {
  CONTAINER_SCRIPT,
  type GpuSpec,
  type PortMapping,
  type Ulimit,
} from '../../../lib/runtime/container-spec.js';
import { gpusArg } from '../../../lib/runtime/docker/argv/devices.js';
import { publishArg } from '../../../lib/runtime/docker/argv/network.js';
import { resourcesArgs, ulimitArg } from '../../../lib/runtime/docker/argv/resources.js';
import {
  DOCKER_RUN_SECTIONS,
  dockerPullArgv,
  dockerRunArgv,
  runArgvOf,
} from '../../../lib/runtime/docker/argv/run.js';
import { mountArg } from '../../../lib/runtime/docker/argv/storage.js';
import { type FakeHostSpec, fakeHost } from '../helpers/fake-host.js';
import { ALICE, argvFor, FILES, hostSpec, JOB_FILE, jobEnv, specFor } from '../helpers/fixtures.js';

const D = '/tmp/lsf-docker.4201.AbC123';

/** Everything before the mounts of the user's job, for job 123 on node1 by wrapper pid 4242. */
const head = (name = 'lsf_123_0_4242', job = '123', index = '0') => [
  'run',
  '--pull=never',
  '--rm',
  `--name=${name}`,
  `--cidfile=${D}/cid`,
  '--hostname',
  'node1',
  '--label',
  'lsf-docker.managed=true',
  '--label',
  `lsf-docker.job=${job}`,
  '--label',
  `lsf-docker.index=${index}`,
  '--label',
  'lsf-docker.uid=4201',
  '--label',
  'lsf-docker.host=node1',
  '--label',
  'lsf-docker.pid=4242',
  '--label',
  `lsf-docker.dir=${D}`,
  '--user',
  '4201:4201',
  '--group-add',
  '100',
  '--group-add',
  '4300',
  '--mount',
  `type=bind,source=${D}/passwd,target=/etc/passwd,readonly`,
  '--mount',
  `type=bind,source=${D}/group,target=/etc/group,readonly`,
];
const SCRIPT = ['--mount', `type=bind,source=${D}/job.sh,target=/lsf-docker/job.sh,readonly`];
const CWD = ['--mount', 'type=bind,source=/home/alice/work,target=/home/alice/work'];
const TMP = ['--mount', 'type=bind,source=/tmp/123.tmpdir,target=/tmp'];
const LOCKDOWN = [
  '--cap-drop=ALL',
  '--cap-add=CHOWN',
  '--cap-add=KILL',
  '--cap-add=SETPCAP',
  '--cap-add=IPC_LOCK',
  '--cap-add=SYS_NICE',
  '--security-opt=no-new-privileges',
  '--security-opt',
  'label=user:user_u',
  '--security-opt',
  'label=role:user_r',
  '--security-opt',
  'label=type:user_t',
  '--security-opt',
  'label=level:s0',
  '--init',
  '--env=TINI_KILL_PROCESS_GROUP=1',
  '--pids-limit=4096',
  '--sig-proxy=false',
];
const RESOURCES = ['--cpu-shares=1024', '--memory=4294967296', '--memory-swap=4294967296'];
const ENV_FILE = `--env-file=${D}/env`;
const IMAGE = 'lsf-docker-test/busybox:latest';
const RUN_SCRIPT = [ENV_FILE, '--entrypoint=/bin/sh', '--', IMAGE, '/lsf-docker/job.sh'];

/** The host of the golden tests: the test host without infiniband devices unless a scenario adds them. */
function goldenHost(extra: Partial<FakeHostSpec> = {}) {
  const spec = hostSpec(extra);
  if (!extra.paths?.['/dev/infiniband/uverbs0']) {
    delete spec.paths['/dev/infiniband/uverbs0'];
    delete spec.paths['/dev/infiniband/rdma_cm'];
  }
  return fakeHost(spec, ALICE);
}

function goldenConfig(change: (c: Config) => void = () => {}): Config {
  const config = defaultConfig();
  config.volumes.allow = ['/data', '/scratch'];
  change(config);
  return config;
}

interface Scenario {
  env?: Record<string, string | undefined>;
  command?: string[];
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
  argv: string[];
}

const SCENARIOS: Record<string, Scenario> = {
  'minimal job': {
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'volumes, ports, bridge network, shareable ipc, shm size, extra host': {
    env: {
      LSF_DOCKER_VOLUMES: '/data/alice/in:/in:ro /data/alice/shared:/shared',
      LSF_DOCKER_PORTS: '8080 8100-8101:9100-9101/udp',
      LSF_DOCKER_NETWORK: 'bridge',
      LSF_DOCKER_IPC: 'shareable',
      LSF_DOCKER_SHM_SIZE: '2g',
      LSF_DOCKER_ADD_HOST: 'db:10.0.0.5',
      LSF_DOCKER_WORKDIR: '/in',
    },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--mount',
      'type=bind,source=/data/alice/in,target=/in,readonly',
      '--mount',
      'type=bind,source=/data/shared,target=/shared',
      '--workdir',
      '/in',
      ...LOCKDOWN,
      '--network=bridge',
      '--ipc=shareable',
      '--shm-size=2147483648',
      '--publish',
      '8080:8080/tcp',
      '--publish',
      '8100-8101:9100-9101/udp',
      '--add-host=db:10.0.0.5',
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'host network and ipc, 4 slots, bsub -M memory, unlimited swap': {
    env: {
      LSF_DOCKER_NETWORK: 'host',
      LSF_DOCKER_IPC: 'host',
      LSF_DOCKER_SHM_SIZE: '512m',
      LSB_MCPU_HOSTS: 'node1 4',
    },
    config: (c) => {
      c.resources.swap = 'unlimited';
      c.resources.ulimits = ['nofile=1024:2048'];
    },
    host: { rss: 1024 ** 3 },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      '--network=host',
      '--ipc=host',
      '--shm-size=536870912',
      '--cpu-shares=4096',
      '--memory=1073741824',
      '--memory-swap=-1',
      '--ulimit',
      'nofile=1024:2048',
      ...RUN_SCRIPT,
    ],
  },
  'interactive job on a terminal': {
    env: { LSB_INTERACTIVE: 'Y' },
    host: { tty: true },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      '--interactive',
      '--tty',
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'interactive job with stdin piped': {
    env: { LSB_INTERACTIVE: 'Y' },
    host: { tty: false },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      '--interactive',
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'raw args: the image runs its own command': {
    env: { LSF_DOCKER_RUN_RAW_ARGS: '1' },
    command: [PLACE_HOLDER],
    argv: [
      ...head(),
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ENV_FILE,
      '--',
      IMAGE,
    ],
  },
  'raw args with an entrypoint': {
    env: { LSF_DOCKER_RUN_RAW_ARGS: '1', LSF_DOCKER_ENTRYPOINT: '/usr/bin/env' },
    command: [PLACE_HOLDER],
    argv: [
      ...head(),
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ENV_FILE,
      '--entrypoint=/usr/bin/env',
      '--',
      IMAGE,
    ],
  },
  'the LSF job file is read as the user and run as the job script': {
    env: { LSB_JOBFILENAME: JOB_FILE },
    command: [JOB_FILE],
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ENV_FILE,
      '--entrypoint=/bin/sh',
      '--',
      IMAGE,
      CONTAINER_SCRIPT,
    ],
  },
  'GPUs allocated by LSF on a host with four GPUs': {
    env: { CUDA_VISIBLE_DEVICES: '1,3', LSB_EFFECTIVE_RSRCREQ: 'rusage[ngpus_physical=2]' },
    host: { gpus: ['0', '1', '2', '3'] },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      '--gpus',
      '"device=1,3"',
      ...RUN_SCRIPT,
    ],
  },
  'GPUs asked for on a host without any': {
    env: { CUDA_VISIBLE_DEVICES: '0' },
    host: { gpus: [] },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'infiniband devices present': {
    host: hostSpec(),
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      '--device=/dev/infiniband/rdma_cm',
      '--device=/dev/infiniband/uverbs0',
      ...RUN_SCRIPT,
    ],
  },
  'admin mounts: the present one mounted, the absent one skipped': {
    config: (c) => {
      c.mounts.mount = [
        { source: '/opt/tools', target: '/tools', readOnly: true, propagation: 'rslave', text: '' },
        { source: '/opt/missing', target: '/missing', readOnly: false, text: '' },
        { source: '/data/shared', target: '/shared', readOnly: false, text: '' },
      ];
    },
    argv: [
      ...head(),
      ...SCRIPT,
      ...CWD,
      ...TMP,
      '--mount',
      'type=bind,source=/opt/tools,target=/tools,readonly,bind-propagation=rslave',
      '--mount',
      'type=bind,source=/data/shared,target=/shared',
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
  'a job outside LSF: no job id, no tmpdir; an admin who adds no capability and no label': {
    env: { LSB_JOBID: undefined, LSB_JOBINDEX: undefined },
    config: (c) => {
      c.security.capAdd = [];
      c.security.selinuxLabels = [];
      c.security.pidsLimit = 100;
      c.resources.memory = undefined;
    },
    argv: [
      ...head('lsf_local_4242', ''),
      ...SCRIPT,
      ...CWD,
      '--workdir',
      '/home/alice/work',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      '--init',
      '--env=TINI_KILL_PROCESS_GROUP=1',
      '--pids-limit=100',
      '--sig-proxy=false',
      '--cpu-shares=1024',
      ...RUN_SCRIPT,
    ],
  },
  'an array element with a cgroup parent': {
    env: { LSB_JOBINDEX: '7', LSF_DOCKER_CGROUP: '/lsf/job_123_7' },
    config: (c) => {
      c.security.allowCgroupParent = ['/lsf'];
    },
    argv: [
      ...head('lsf_123_7_4242', '123', '7'),
      ...SCRIPT,
      ...CWD,
      '--mount',
      'type=bind,source=/tmp/123_7.tmpdir,target=/tmp',
      '--workdir',
      '/home/alice/work',
      ...LOCKDOWN,
      '--cgroup-parent=/lsf/job_123_7',
      ...RESOURCES,
      ...RUN_SCRIPT,
    ],
  },
};

describe('dockerRunArgv: golden argv of the whole pure pipeline', () => {
  test.each(Object.entries(SCENARIOS))('%s', (_name, s) => {
    const argv = argvFor({
      env: jobEnv(s.env),
      command: s.command ?? ['echo', 'hi'],
      config: goldenConfig(s.config),
      host:
        s.host === undefined || !('paths' in s.host) ? goldenHost(s.host) : fakeHost(hostSpec(s.host), ALICE),
    });
    expect(argv).toEqual(s.argv);
  });

  test('the same spec always gives the same argv', () => {
    const spec = specFor({ env: jobEnv(), command: ['true'] });
    expect(dockerRunArgv(spec, FILES)).toEqual(dockerRunArgv(spec, FILES));
  });

  test('what the job asked for never lands before the image except as a checked value', () => {
    const argv = argvFor({ env: jobEnv(), command: ['--privileged', '-v', '/:/host'] });
    const image = argv.indexOf('--');
    expect(argv.slice(image + 1)).toEqual([IMAGE, '/lsf-docker/job.sh']);
    expect(argv).not.toContain('--privileged');
  });
});

describe('mountArg and dockerPullArgv', () => {
  test.each<[Parameters<typeof mountArg>[0], string]>([
    [{ source: '/a', target: '/b', readOnly: false }, 'type=bind,source=/a,target=/b'],
    [{ source: '/a', target: '/b', readOnly: true }, 'type=bind,source=/a,target=/b,readonly'],
    [
      { source: '/a', target: '/b', readOnly: false, propagation: 'rshared' },
      'type=bind,source=/a,target=/b,bind-propagation=rshared',
    ],
  ])('%j', (mount, arg) => {
    expect(mountArg(mount)).toBe(arg);
  });

  test('pull: the image after --', () => {
    expect(dockerPullArgv('-x')).toEqual(['pull', '--', '-x']);
  });
});

describe('the typed values of the spec, written as docker reads them', () => {
  test.each<[PortMapping, string]>([
    [{ hostPort: 8080, containerPort: 8080, range: 1, protocol: 'tcp' }, '8080:8080/tcp'],
    [{ hostPort: 8998, containerPort: 80, range: 2, protocol: 'udp' }, '8998-8999:80-81/udp'],
  ])('--publish %j', (port, arg) => {
    expect(publishArg(port)).toBe(arg);
  });
  test.each<[Ulimit, string]>([
    [{ name: 'nofile', soft: 1024, hard: 2048 }, 'nofile=1024:2048'],
    [{ name: 'memlock', soft: -1, hard: -1 }, 'memlock=-1'],
  ])('--ulimit %j', (ulimit, arg) => {
    expect(ulimitArg(ulimit)).toBe(arg);
  });
  test.each<[GpuSpec, string | undefined]>([
    [{ kind: 'none' }, undefined],
    [{ kind: 'all' }, 'all'],
    [{ kind: 'devices', ids: ['0', '1'] }, '"device=0,1"'],
  ])('--gpus %j', (gpus, arg) => {
    expect(gpusArg(gpus)).toBe(arg);
  });
  test.each<['none' | 'unlimited', string]>([
    ['none', '--memory-swap=1024'],
    ['unlimited', '--memory-swap=-1'],
  ])('swap %s', (swap, arg) => {
    const spec = specFor({ env: jobEnv(), command: ['true'] });
    const argv = resourcesArgs({ ...spec, resources: { ...spec.resources, memory: 1024, swap } }, FILES);
    expect(argv).toEqual(['--cpu-shares=1024', '--memory=1024', arg]);
  });
});

describe('runArgvOf: a runtime replaces single sections', () => {
  test('the docker sections make dockerRunArgv', () => {
    const spec = specFor({ env: jobEnv(), command: ['true'] });
    expect(runArgvOf(DOCKER_RUN_SECTIONS, spec, FILES)).toEqual(dockerRunArgv(spec, FILES));
  });
  test('one section replaced, the others kept in order', () => {
    const spec = specFor({ env: jobEnv(), command: ['true'] });
    const argv = runArgvOf(
      { ...DOCKER_RUN_SECTIONS, devices: () => ['--device=nvidia.com/gpu=all'] },
      spec,
      FILES,
    );
    expect(argv).not.toContain('--device=/dev/infiniband/uverbs0');
    expect(argv.indexOf('--device=nvidia.com/gpu=all')).toBe(argv.indexOf(`--env-file=${FILES.env}`) - 1);
  });
});
