import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { PLACE_HOLDER } from '../../../lib/request/job-request.js';
import { parseJobRequest } from '../../../lib/request/parse.js';
import { slotsOnHost } from '../../../lib/scheduler/lsf/facts.js';
import { errorOf, linesOf } from '../helpers/errors.js';
import { jobEnv } from '../helpers/fixtures.js';

const CTX = { cwd: '/home/alice/work', hostname: 'node1.cluster' };
const parse = (env: Record<string, string | undefined>, command: string[] = ['echo', 'hi']) =>
  parseJobRequest(env, command, CTX);
const refused = (env: Record<string, string | undefined>, command: string[] = ['echo', 'hi']) => {
  const err = errorOf(() => parse(env, command));
  expect(err.code).toBe(ExitCode.BAD_REQUEST);
  return linesOf(err);
};

describe('parseJobRequest: a plain batch job', () => {
  test('the minimal LSF environment', () => {
    const request = parse(jobEnv({ HOME: '/home/alice', UNSET: undefined }), ['echo', 'hi']);
    expect(request).toMatchObject({
      imageText: 'lsf-docker-test/busybox:latest',
      imageVariable: 'LSB_CONTAINER_IMAGE',
      command: ['echo', 'hi'],
      rawArgs: false,
      volumes: [],
      ports: [],
      addHosts: [],
      addHostFiles: [],
      envFiles: [],
      job: { id: 123, index: 0, slots: 1, subcwd: '/home/alice/work', interactive: false },
    });
    expect(request.image.canonical).toBe('docker.io/lsf-docker-test/busybox:latest');
    for (const key of ['entrypoint', 'workdir', 'network', 'ipc', 'shmSize', 'cgroupParent', 'logLevel']) {
      expect(request[key as keyof typeof request]).toBeUndefined();
    }
    expect(request.env.HOME).toBe('/home/alice');
    expect('UNSET' in request.env).toBe(false);
  });

  test('LSB_DOCKER_IMAGE when LSB_CONTAINER_IMAGE is not set', () => {
    const request = parse(jobEnv({ LSB_CONTAINER_IMAGE: undefined, LSB_DOCKER_IMAGE: ' debian:12 ' }));
    expect(request.imageVariable).toBe('LSB_DOCKER_IMAGE');
    expect(request.imageText).toBe('debian:12');
  });

  test('without LS_SUBCWD the submission directory is the cwd', () => {
    expect(parse(jobEnv({ LS_SUBCWD: undefined })).job.subcwd).toBe(CTX.cwd);
  });

  test('every LSF_DOCKER_* variable, parsed', () => {
    const request = parse(
      jobEnv({
        LSF_DOCKER_VOLUMES: ' /data/alice/in:/in:ro   /scratch/alice:/scratch ',
        LSF_DOCKER_PORTS: '8080 8100-8101:9100-9101/udp',
        LSF_DOCKER_ADD_HOST: 'db:10.0.0.5 gw:host-gateway',
        LSF_DOCKER_ADD_HOST_FILE: 'hosts /etc/hosts.extra',
        LSF_DOCKER_ENV_FILE: 'job.env',
        LSF_DOCKER_NETWORK: 'host',
        LSF_DOCKER_IPC: ' container:other ',
        LSF_DOCKER_SHM_SIZE: '2g',
        LSF_DOCKER_ENTRYPOINT: '/bin/bash',
        LSF_DOCKER_WORKDIR: '/in/',
        LSF_DOCKER_CGROUP: '/lsf/job_123',
        LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false',
        LSF_DOCKER_RUN_LOGLEVEL: 'debug',
      }),
    );
    expect(request.volumes).toEqual([
      { source: '/data/alice/in', target: '/in', readOnly: true, text: '/data/alice/in:/in:ro' },
      { source: '/scratch/alice', target: '/scratch', readOnly: false, text: '/scratch/alice:/scratch' },
    ]);
    expect(request.ports.map((p) => p.text)).toEqual(['8080', '8100-8101:9100-9101/udp']);
    expect(request.addHosts).toEqual([
      { name: 'db', ip: '10.0.0.5' },
      { name: 'gw', ip: 'host-gateway' },
    ]);
    expect(request.addHostFiles).toEqual(['/home/alice/work/hosts', '/etc/hosts.extra']);
    expect(request.envFiles).toEqual(['/home/alice/work/job.env']);
    expect(request).toMatchObject({
      network: 'host',
      ipc: 'container:other',
      shmSize: 2 * 1024 ** 3,
      entrypoint: '/bin/bash',
      workdir: '/in',
      cgroupParent: '/lsf/job_123',
      preserveEnvironment: false,
      logLevel: 'DEBUG',
    });
  });

  test('relative env and host files are taken from the cwd', () => {
    expect(parse(jobEnv({ LSF_DOCKER_ENV_FILE: '.env ./b/c' })).envFiles).toEqual([
      '/home/alice/work/.env',
      '/home/alice/work/b/c',
    ]);
  });

  test('empty variables mean "not set"', () => {
    const request = parse(
      jobEnv({
        LSF_DOCKER_VOLUMES: '',
        LSF_DOCKER_NETWORK: '  ',
        LSF_DOCKER_SHM_SIZE: ' ',
        LSF_DOCKER_ENTRYPOINT: '',
        LSF_DOCKER_RUN_RAW_ARGS: '',
        LSF_DOCKER_PRESERVE_ENVIRONMENT: '',
        LSF_DOCKER_RUN_LOGLEVEL: '',
        LSB_JOBINDEX: '',
        CUDA_VISIBLE_DEVICES: ' ',
      }),
    );
    expect(request).toMatchObject({ volumes: [], rawArgs: false, job: { index: 0 } });
    expect(request.network).toBeUndefined();
    expect(request.shmSize).toBeUndefined();
    expect(request.job.gpus).toBeUndefined();
  });

  test('job facts: array index, name, queue, interactive, GPUs, job file, resource request', () => {
    const request = parse(
      jobEnv({
        LSB_JOBINDEX: '7',
        LSB_JOBNAME: 'sim[7]',
        LSB_QUEUE: 'general',
        LSB_INTERACTIVE: 'y',
        CUDA_VISIBLE_DEVICES: '0, 2',
        LSB_JOBFILENAME: '/home/alice/.lsbatch/1700000000.123',
        LSB_EFFECTIVE_RSRCREQ: 'select[port8080=1]',
        LSB_MCPU_HOSTS: 'node0 4 node1 2',
      }),
    );
    expect(request.job).toEqual({
      id: 123,
      index: 7,
      name: 'sim[7]',
      queue: 'general',
      slots: 2,
      subcwd: '/home/alice/work',
      subcwdVariable: 'LS_SUBCWD',
      interactive: true,
      tmpdirName: '123_7.tmpdir',
      reservedPorts: [8080],
      gpusAsked: 0,
      gpus: ['0', '2'],
      jobFile: '/home/alice/.lsbatch/1700000000.123',
      schedulerEnv: [['LSF_NIOS_JOBSTATUS_INTERVAL', '1']],
    });
  });

  test.each([
    ['GPU-0123abcd-4567-89ab-cdef-0123456789ab', ['GPU-0123abcd-4567-89ab-cdef-0123456789ab']],
    ['MIG-GPU-0123abcd/1/0,3', ['MIG-GPU-0123abcd/1/0', '3']],
  ])('CUDA_VISIBLE_DEVICES=%s', (value, gpus) => {
    expect(parse(jobEnv({ CUDA_VISIBLE_DEVICES: value })).job.gpus).toEqual(gpus);
  });
});

describe('parseJobRequest: raw args and the command', () => {
  test('LSF_DOCKER_RUN_RAW_ARGS=1 with the place holder runs the image command', () => {
    const request = parse(jobEnv({ LSF_DOCKER_RUN_RAW_ARGS: '1' }), [PLACE_HOLDER]);
    expect(request.rawArgs).toBe(true);
  });

  test('LSF_DOCKER_RUN_RAW_ARGS=0 is an ordinary job', () => {
    expect(parse(jobEnv({ LSF_DOCKER_RUN_RAW_ARGS: '0' }), ['ls']).rawArgs).toBe(false);
  });

  test.each<[Record<string, string>, string[], RegExp]>([
    [
      { LSF_DOCKER_RUN_RAW_ARGS: '1' },
      ['ls', '-l'],
      /^LSF_DOCKER_RUN_RAW_ARGS: the command must be exactly LSB_DOCKER_PLACE_HOLDER/,
    ],
    [{ LSF_DOCKER_RUN_RAW_ARGS: 'maybe' }, ['ls'], /^LSF_DOCKER_RUN_RAW_ARGS: "maybe" is not 1 or 0/],
    [{}, [], /^COMMAND: no command given/],
    [{}, ['  ', ''], /^COMMAND: no command given/],
  ])('%j %j refused', (env, command, reason) => {
    expect(refused(jobEnv(env), command)).toEqual([expect.stringMatching(reason)]);
  });
});

describe('parseJobRequest: every bad variable is refused by name, one line each', () => {
  test.each<[Record<string, string | undefined>, RegExp]>([
    [
      { LSB_CONTAINER_IMAGE: undefined },
      /^LSB_CONTAINER_IMAGE: is not set: submit with bsub -a "docker\(IMAGE\)"$/,
    ],
    [{ LSB_CONTAINER_IMAGE: '  ' }, /^LSB_CONTAINER_IMAGE: is not set/],
    [
      { LSB_CONTAINER_IMAGE: '--privileged' },
      /^LSB_CONTAINER_IMAGE: "--privileged" must not start with "-"$/,
    ],
    [{ LSB_CONTAINER_IMAGE: 'Busy Box' }, /^LSB_CONTAINER_IMAGE: "Busy Box" must not contain white space/],
    [
      { LSB_CONTAINER_IMAGE: undefined, LSB_DOCKER_IMAGE: 'x:-y' },
      /^LSB_DOCKER_IMAGE: "x:-y" has a malformed tag/,
    ],
    [{ LSF_DOCKER_VOLUMES: '/data/in' }, /^LSF_DOCKER_VOLUMES: "\/data\/in" is not SRC:DST/],
    [{ LSF_DOCKER_VOLUMES: '/data:/in:z' }, /^LSF_DOCKER_VOLUMES: "\/data:\/in:z": mode "z"/],
    [{ LSF_DOCKER_VOLUMES: 'vol:/in' }, /^LSF_DOCKER_VOLUMES: source "vol" is not an absolute path/],
    [{ LSF_DOCKER_VOLUMES: '/data/../etc:/x' }, /^LSF_DOCKER_VOLUMES: source .*".."/],
    [{ LSF_DOCKER_VOLUMES: '/a,b:/x' }, /^LSF_DOCKER_VOLUMES: source .*character not allowed/],
    [{ LSF_DOCKER_PORTS: '80:80:80' }, /^LSF_DOCKER_PORTS: "80:80:80" is not PORT/],
    [{ LSF_DOCKER_PORTS: '0' }, /^LSF_DOCKER_PORTS: "0": ports are 1-65535/],
    [{ LSF_DOCKER_ADD_HOST: 'db' }, /^LSF_DOCKER_ADD_HOST: "db" is not HOSTNAME:IP/],
    [{ LSF_DOCKER_ADD_HOST_FILE: '/a:b' }, /^LSF_DOCKER_ADD_HOST_FILE: .*character not allowed/],
    [{ LSF_DOCKER_ENV_FILE: '../x' }, /^LSF_DOCKER_ENV_FILE: .*must not contain ".."/],
    [{ LSF_DOCKER_NETWORK: '--privileged' }, /^LSF_DOCKER_NETWORK: "--privileged" is not a mode name/],
    [
      { LSF_DOCKER_NETWORK: 'host --privileged' },
      /^LSF_DOCKER_NETWORK: "host --privileged" is not a mode name/,
    ],
    [{ LSF_DOCKER_NETWORK: 'Host' }, /^LSF_DOCKER_NETWORK: "Host" is not a mode name/],
    [{ LSF_DOCKER_NETWORK: 'container:-x' }, /^LSF_DOCKER_NETWORK: /],
    [{ LSF_DOCKER_IPC: 'host=1' }, /^LSF_DOCKER_IPC: "host=1" is not a mode name/],
    [{ LSF_DOCKER_SHM_SIZE: 'big' }, /^LSF_DOCKER_SHM_SIZE: "big" is not a size/],
    [{ LSF_DOCKER_SHM_SIZE: '0' }, /^LSF_DOCKER_SHM_SIZE: "0" is not a size/],
    [{ LSF_DOCKER_SHM_SIZE: '-1g' }, /^LSF_DOCKER_SHM_SIZE: "-1g" is not a size/],
    [{ LSF_DOCKER_SHM_SIZE: '9999999999999p' }, /^LSF_DOCKER_SHM_SIZE: /],
    [{ LSF_DOCKER_ENTRYPOINT: 'bash' }, /^LSF_DOCKER_ENTRYPOINT: "bash" is not an absolute path/],
    [{ LSF_DOCKER_ENTRYPOINT: '/bin/sh -c' }, /^LSF_DOCKER_ENTRYPOINT: .*character not allowed/],
    [{ LSF_DOCKER_WORKDIR: 'in' }, /^LSF_DOCKER_WORKDIR: "in" is not an absolute path/],
    [{ LSF_DOCKER_WORKDIR: '/in/../..' }, /^LSF_DOCKER_WORKDIR: .*".."/],
    [{ LSF_DOCKER_CGROUP: 'lsf' }, /^LSF_DOCKER_CGROUP: "lsf" is not an absolute path/],
    [
      { LSF_DOCKER_PRESERVE_ENVIRONMENT: 'sometimes' },
      /^LSF_DOCKER_PRESERVE_ENVIRONMENT: "sometimes" is not true or false/,
    ],
    [
      { LSF_DOCKER_RUN_LOGLEVEL: 'LOUD' },
      /^LSF_DOCKER_RUN_LOGLEVEL: "LOUD" is not CRITICAL, ERROR, WARNING, INFO or DEBUG/,
    ],
    [{ LSB_JOBID: '12a' }, /^LSB_JOBID: "12a" is not a job number/],
    [{ LSB_JOBID: '-1' }, /^LSB_JOBID: /],
    [{ LSB_JOBINDEX: 'x' }, /^LSB_JOBINDEX: "x" is not an array index/],
    [{ LS_SUBCWD: 'work' }, /^LS_SUBCWD: "work" is not an absolute path/],
    [{ LS_SUBCWD: '/home/alice/a b' }, /^LS_SUBCWD: .*character not allowed/],
    [{ CUDA_VISIBLE_DEVICES: '0,--all' }, /^CUDA_VISIBLE_DEVICES: "0,--all" is not a list of GPU/],
    [{ CUDA_VISIBLE_DEVICES: 'all' }, /^CUDA_VISIBLE_DEVICES: /],
  ])('%j', (env, reason) => {
    const lines = refused(jobEnv(env));
    expect(lines).toEqual([expect.stringMatching(reason)]);
  });

  test('a value holding a newline cannot forge a second stderr line: control characters are escaped', () => {
    const lines = refused(
      jobEnv({ LSF_DOCKER_WORKDIR: '/in\nLSF_DOCKER_FAKE: ok', LSF_DOCKER_IPC: 'host\r' }),
    );
    expect(lines).toEqual([
      'LSF_DOCKER_WORKDIR: "/in\\x0aLSF_DOCKER_FAKE: ok" holds a character not allowed in a path (white space , : " \' \\)',
    ]);
    expect(refused(jobEnv({ LSF_DOCKER_IPC: 'ho\x1bst' }))).toEqual([
      'LSF_DOCKER_IPC: "ho\\x1bst" is not a mode name (letters, digits, . _ -, optionally container:NAME)',
    ]);
  });

  test('several bad variables: all reported at once, one line each, in a WrapperErrors', () => {
    const err = errorOf(() =>
      parse(
        jobEnv({
          LSB_CONTAINER_IMAGE: '-x',
          LSF_DOCKER_VOLUMES: 'a:/b /c:/d /e:f',
          LSF_DOCKER_NETWORK: '-net',
        }),
      ),
    );
    expect(err.code).toBe(ExitCode.BAD_REQUEST);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'LSB_CONTAINER_IMAGE',
      'LSF_DOCKER_VOLUMES',
      'LSF_DOCKER_VOLUMES',
      'LSF_DOCKER_NETWORK',
    ]);
  });
});

describe('slotsOnHost', () => {
  test.each<[Record<string, string>, string, number]>([
    [{}, 'node1', 1],
    [{ LSB_MCPU_HOSTS: 'node1 4' }, 'node1', 4],
    [{ LSB_MCPU_HOSTS: 'node0 2 node1 8' }, 'node1.cluster.org', 8],
    [{ LSB_MCPU_HOSTS: 'node0.cluster 2 node1.cluster 8' }, 'node1', 8],
    [{ LSB_MCPU_HOSTS: 'node0 3 node2 8' }, 'node1', 3],
    [{ LSB_MCPU_HOSTS: 'node1 0' }, 'node1', 1],
    [{ LSB_MCPU_HOSTS: 'node1 x' }, 'node1', 1],
    [{ LSB_HOSTS: 'node1 node1 node2' }, 'node1', 2],
    [{ LSB_HOSTS: 'node0 node0 node0' }, 'node1', 3],
  ])('%j on %s -> %d', (env, host, slots) => {
    expect(slotsOnHost(env, host)).toBe(slots);
  });
});
