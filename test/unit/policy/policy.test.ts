import { parseMountSpec } from '../../../lib/config/mount-spec.js';
import type { Config } from '../../../lib/config/schema.js';
import { renderJobFiles } from '../../../lib/job/artifacts.js';
import { envFileEntries } from '../../../lib/kernel/env-entries.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { entryPair } from '../../../lib/policy/rules/environment.js';
import { PLACE_HOLDER } from '../../../lib/request/job-request.js';
import {
  type BindMount,
  CONTAINER_SCRIPT,
  type ContainerSpec,
  type GpuSpec,
} from '../../../lib/runtime/container-spec.js';
import { gpusAsked } from '../../../lib/scheduler/lsf/facts.js';
import { errorOf, linesOf } from '../helpers/errors.js';
import { dir, type FakeHostSpec, file } from '../helpers/fake-host.js';
import { ALICE, JOB_FILE, jobEnv, specFor, testConfig, testHost } from '../helpers/fixtures.js';

interface Case {
  env?: Record<string, string | undefined>;
  command?: string[];
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
}
const plan = ({ env = {}, command = ['echo', 'hi'], config, host }: Case = {}): ContainerSpec =>
  specFor({ env: jobEnv(env), command, config: testConfig(config), host: testHost(host) });
/** The refusal lines (policy errors only). */
const refusals = (c: Case): string[] => {
  const err = errorOf(() => plan(c));
  expect(err.code).toBe(ExitCode.POLICY);
  return linesOf(err);
};
const userMounts = (p: ContainerSpec) => p.storage.mounts.filter((m) => m.origin === 'user');
const mountAt = (p: ContainerSpec, target: string): BindMount | undefined =>
  p.storage.mounts.find((m) => m.target === target);

describe('decideContainerSpec: the plain job', () => {
  const p = plan();

  test('identity from the OS, never root', () => {
    expect([p.identity.uid, p.identity.gid, p.identity.groups]).toEqual([4201, 4201, [100, 4300]]);
    expect(renderJobFiles(p).passwd).toContain('alice:x:4201:4201:alice:/home/alice:/bin/bash\n');
    expect(renderJobFiles(p).group).toContain('users:x:100:alice\n');
  });

  test('the submission directory, mounted read-write at its own path, is the workdir', () => {
    expect(mountAt(p, '/home/alice/work')).toEqual({
      source: '/home/alice/work',
      target: '/home/alice/work',
      readOnly: false,
      origin: 'cwd',
    });
    expect(p.storage.workdir).toBe('/home/alice/work');
  });

  test("the job's LSF tmpdir is /tmp, and TMPDIR points there", () => {
    expect(mountAt(p, '/tmp')).toEqual({
      source: '/tmp/123.tmpdir',
      target: '/tmp',
      readOnly: false,
      origin: 'tmpdir',
    });
    expect(p.storage.mounts.filter((m) => m.origin === 'tmpdir')).toHaveLength(1);
    expect(envFileEntries(p.process.envFile)).toContain('TMPDIR=/tmp');
  });

  test("a TMPDIR of the job's own is kept", () => {
    expect(envFileEntries(plan({ env: { TMPDIR: '/scratch/alice' } }).process.envFile)).toContain(
      'TMPDIR=/scratch/alice',
    );
    expect(envFileEntries(plan({ env: { TMPDIR: '/tmp/123.tmpdir' } }).process.envFile)).toContain(
      'TMPDIR=/tmp',
    );
  });

  test('the command runs through a generated /bin/sh script', () => {
    expect(p.process.entrypoint).toBe('/bin/sh');
    expect(p.process.command).toEqual([CONTAINER_SCRIPT]);
    expect(p.process.script).toEqual({ words: ['echo', 'hi'] });
    expect(renderJobFiles(p).script).toBe('#!/bin/sh\necho hi\n');
  });

  test('the RIS lock-down and resources', () => {
    expect(p).toMatchObject({
      image: { ref: 'lsf-docker-test/busybox:latest', pull: 'missing' },
      name: 'lsf_123_0_4242',
      network: { hostname: 'node1', ports: [], extraHosts: [] },
      security: { capAdd: ['CHOWN', 'KILL', 'SETPCAP', 'IPC_LOCK', 'SYS_NICE'], noNewPrivileges: true },
      resources: { pidsLimit: 4096, cpuShares: 1024, memory: 4 * 1024 ** 3, swap: 'none' },
      devices: { paths: ['/dev/infiniband/rdma_cm', '/dev/infiniband/uverbs0'] },
      process: { interactive: false, tty: false, init: true },
    });
    expect(p.devices.gpus).toEqual({ kind: 'none' });
    expect(p.network.mode).toBeUndefined();
    expect(p.labels).toEqual([
      ['lsf-docker.managed', 'true'],
      ['lsf-docker.job', '123'],
      ['lsf-docker.index', '0'],
      ['lsf-docker.uid', '4201'],
      ['lsf-docker.host', 'node1'],
      ['lsf-docker.pid', '4242'],
    ]);
  });
});

describe('decideContainerSpec: user volumes', () => {
  test.each(['/etc', '/', '/lsf-docker'])(
    "a volume over %s (which holds the runtime's own files) is refused",
    (target) => {
      expect(() => plan({ env: { LSF_DOCKER_VOLUMES: `/data/alice:${target}` } })).toThrow(
        /LSF_DOCKER_VOLUMES: .*(would hold the runtime's own|is protected|protected)/,
      );
    },
  );

  test.each<[string, Omit<BindMount, 'origin'>]>([
    ['/data/alice/in:/in:ro', { source: '/data/alice/in', target: '/in', readOnly: true }],
    ['/data/alice/out:/out', { source: '/data/alice/out', target: '/out', readOnly: false }],
    ['/data/shared:/shared:ro', { source: '/data/shared', target: '/shared', readOnly: true }],
    ['/data/alice/shared:/s', { source: '/data/shared', target: '/s', readOnly: false }],
    ['/home/alice/data:/d', { source: '/data/alice', target: '/d', readOnly: false }],
    ['/scratch/alice:/scratch', { source: '/scratch/alice', target: '/scratch', readOnly: false }],
    ['/data:/data', { source: '/data', target: '/data', readOnly: false }],
    ['/home/alice:/home/alice', { source: '/home/alice', target: '/home/alice', readOnly: false }],
    [
      '/data/alice:/lsf-docker-other',
      { source: '/data/alice', target: '/lsf-docker-other', readOnly: false },
    ],
  ])('%s is mounted from its canonical source', (volume, expected) => {
    expect(userMounts(plan({ env: { LSF_DOCKER_VOLUMES: volume } }))).toEqual([
      { ...expected, origin: 'user' },
    ]);
  });

  test.each<[string, RegExp]>([
    [
      '/scratch/alice/etc:/x',
      /\/scratch\/alice\/etc \(really \/etc\) is not under an allowed volume root \(\/data, \/scratch, \/home\/alice\)/,
    ],
    ['/scratch/alice/proc:/x', /\(really \/proc\/1\) is a protected host path/],
    ['/scratch/alice/root:/x', /\(really \/\) is a protected host path/],
    ['/scratch/alice/sock:/x', /\(really \/var\/run\) is not under an allowed volume root/],
    ['/scratch/alice/loop:/x', /\/scratch\/alice\/loop does not exist on this host/],
    ['/home/alice/bob:/x', /\(really \/home\/bob\) is not under an allowed volume root/],
    ['/data/nothing:/x', /\/data\/nothing does not exist on this host/],
    ['/data/readme:/x', /\/data\/readme is not a directory/],
    ['/data/locked:/x', /\/data\/locked is not readable by you/],
    ['/etc:/x', /\/etc is not under an allowed volume root/],
    ['/proc:/x', /\/proc is a protected host path/],
    ['/dev/shm:/x', /\/dev\/shm is a protected host path/],
    ['/var/run:/x', /is not under an allowed volume root/],
    ['/:/x', /\/ is a protected host path/],
    ['/home/bob:/x', /is not under an allowed volume root/],
    ['/data/alice:/', /target \/ is protected/],
    ['/data/alice:/etc/passwd', /target \/etc\/passwd is protected/],
    ['/data/alice:/etc/group', /target \/etc\/group is protected/],
    ['/data/alice:/etc/shadow', /target \/etc\/shadow is protected/],
    ['/data/alice:/lsf-docker', /target \/lsf-docker is protected/],
    ['/data/alice:/lsf-docker/job.sh', /target \/lsf-docker\/job.sh lies in the protected \/lsf-docker/],
    ['/data/alice:/proc', /target \/proc lies in the protected \/proc/],
    ['/data/alice:/proc/sys', /target \/proc\/sys lies in the protected \/proc/],
    ['/data/alice:/sys/fs/cgroup', /lies in the protected \/sys/],
    ['/data/alice:/dev', /lies in the protected \/dev/],
    ['/data/alice:/dev/shm', /lies in the protected \/dev/],
    ['/data/alice:/var/run/docker.sock', /target \/var\/run\/docker.sock is protected/],
    ['/data/alice:/run/docker.sock', /target \/run\/docker.sock is protected/],
    ['/data/alice:/run/docker/x', /lies in the protected \/run\/docker/],
    ['/data/alice:/home/alice/work', /target \/home\/alice\/work is already mounted \(cwd\)/],
    ['/data/alice:/tmp', /target \/tmp is already mounted \(tmpdir\)/],
  ])('%s refused', (volume, reason) => {
    const lines = refusals({ env: { LSF_DOCKER_VOLUMES: volume } });
    expect(lines).toEqual([expect.stringMatching(/^LSF_DOCKER_VOLUMES: /)]);
    expect(lines[0]).toMatch(reason);
  });

  test('a symlink whose target holds a --mount separator cannot smuggle a second source', () => {
    const host = {
      paths: { '/data/alice/x,source=': dir(ALICE.uid), '/data/alice/x,source=/etc': dir(ALICE.uid) },
      symlinks: { '/data/alice/link': '/data/alice/x,source=/etc' },
    };
    const lines = refusals({ env: { LSF_DOCKER_VOLUMES: '/data/alice/link:/in' }, host });
    expect(lines).toEqual([
      expect.stringMatching(/^LSF_DOCKER_VOLUMES: .*\/data\/alice\/link.*character not allowed/),
    ]);
    const cwd = refusals({ env: { LS_SUBCWD: '/data/alice/link' }, host });
    expect(cwd).toEqual([expect.stringMatching(/^LS_SUBCWD: .*character not allowed/)]);
  });

  test('the same target twice is refused', () => {
    expect(refusals({ env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/x /data/alice/out:/x' } })).toEqual([
      'LSF_DOCKER_VOLUMES: target /x is already mounted (user)',
    ]);
  });

  test('the home is a root only while [volumes] allow_home is true', () => {
    const lines = refusals({
      env: { LSF_DOCKER_VOLUMES: '/home/alice/work:/w', LS_SUBCWD: '/data/alice' },
      config: (c) => {
        c.volumes.allowHome = false;
      },
    });
    expect(lines).toEqual([
      expect.stringMatching(/^LSF_DOCKER_VOLUMES: .*not under an allowed volume root \(\/data, \/scratch\)/),
    ]);
  });

  test('admin deny_targets are protected too', () => {
    const lines = refusals({
      env: { LSF_DOCKER_VOLUMES: '/data/alice:/opt/ibm/lsf' },
      config: (c) => {
        c.volumes.denyTargets = ['/opt/ibm'];
      },
    });
    expect(lines).toEqual([
      'LSF_DOCKER_VOLUMES: "/data/alice:/opt/ibm/lsf": target /opt/ibm/lsf lies in the protected /opt/ibm',
    ]);
  });

  test('a root given through a symlink also matches its canonical path', () => {
    const p = plan({
      env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/in' },
      config: (c) => {
        c.volumes.allow = ['/storage'];
      },
      host: { symlinks: { '/storage': '/data/alice' } },
    });
    expect(userMounts(p)).toEqual([
      { source: '/data/alice/in', target: '/in', readOnly: false, origin: 'user' },
    ]);
  });

  test('with no root configured and no home, nothing may be mounted', () => {
    const lines = refusals({
      env: { LSF_DOCKER_VOLUMES: '/data/alice:/x' },
      config: (c) => {
        c.volumes.allow = [];
        c.volumes.allowHome = false;
      },
    });
    expect(lines).toEqual([
      expect.stringMatching(/^LS_SUBCWD: submission directory .*none configured/),
      expect.stringMatching(/^LSF_DOCKER_VOLUMES: .*none configured/),
    ]);
  });

  test('every refusal at once, one line each', () => {
    const lines = refusals({
      env: {
        LSF_DOCKER_VOLUMES: '/etc:/a /data/alice:/proc/x /data/alice:/ok',
        LSF_DOCKER_NETWORK: 'weird',
        LSF_DOCKER_PORTS: '80',
      },
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'LSF_DOCKER_VOLUMES',
      'LSF_DOCKER_VOLUMES',
      'LSF_DOCKER_NETWORK',
      'LSF_DOCKER_PORTS',
    ]);
  });
});

describe('decideContainerSpec: nothing the daemon would create as root on the host', () => {
  test('a volume target inside the cwd mount must exist in the cwd on the host', () => {
    expect(refusals({ env: { LSF_DOCKER_VOLUMES: '/scratch/alice:/home/alice/work/newdir' } })).toEqual([
      expect.stringMatching(
        /^LSF_DOCKER_VOLUMES: target \/home\/alice\/work\/newdir lies inside the mount at \/home\/alice\/work, but .*\/newdir does not exist/,
      ),
    ]);
  });

  test("a workdir inside a mount must exist there; one outside every mount is the image's business", () => {
    expect(refusals({ env: { LSF_DOCKER_WORKDIR: '/home/alice/work/nope' } })).toEqual([
      expect.stringMatching(
        /^LSF_DOCKER_WORKDIR: \/home\/alice\/work\/nope lies inside the mount at \/home\/alice\/work/,
      ),
    ]);
    expect(plan({ env: { LSF_DOCKER_WORKDIR: '/opt/app' } }).storage.workdir).toBe('/opt/app');
  });
});

describe('gpusAsked', () => {
  test.each<[string | undefined, number]>([
    [undefined, 0],
    ['select[gpuhost && mem>1000] order[r15s:pg]', 0],
    ['select[ngpus>0] rusage[ngpus_physical=2.00]', 2],
    ['rusage[ngpus_excl_t=1]', 1],
    ['rusage[mem=4096:ngpus_physical=1.50]', 2],
  ])('%s -> %i', (text, n) => {
    expect(gpusAsked(text)).toBe(n);
  });
});

describe('decideContainerSpec: submission directory and workdir', () => {
  test('LSF_DOCKER_WORKDIR sets the workdir; the cwd is still mounted', () => {
    const p = plan({ env: { LSF_DOCKER_WORKDIR: '/in', LSF_DOCKER_VOLUMES: '/data/alice/in:/in' } });
    expect(p.storage.workdir).toBe('/in');
    expect(mountAt(p, '/home/alice/work')?.origin).toBe('cwd');
  });

  test.each<[string, RegExp]>([
    ['/home/bob', /^LS_SUBCWD: submission directory .*not under an allowed volume root/],
    ['/etc', /^LS_SUBCWD: submission directory \/etc is not under an allowed volume root/],
    ['/proc/1', /^LS_SUBCWD: submission directory: \/proc\/1 lies in the protected \/proc/],
    ['/nowhere', /^LS_SUBCWD: submission directory \/nowhere does not exist on this host/],
    ['/scratch/alice/etc', /^LS_SUBCWD: submission directory .*really \/etc/],
  ])('LS_SUBCWD=%s refused', (subcwd, reason) => {
    expect(refusals({ env: { LS_SUBCWD: subcwd } })).toEqual([expect.stringMatching(reason)]);
  });

  test('a cwd outside the roots without LS_SUBCWD is reported as the cwd', () => {
    const err = errorOf(() =>
      specFor({
        env: jobEnv({ LS_SUBCWD: undefined }),
        command: ['true'],
        config: testConfig((c) => {
          c.volumes.allowHome = false;
        }),
      }),
    );
    expect(linesOf(err)).toEqual([expect.stringMatching(/^cwd: submission directory \/home\/alice\/work/)]);
  });

  test('a symlinked cwd is mounted from its canonical path at the path the user knows', () => {
    const p = plan({ env: { LS_SUBCWD: '/home/alice/data' } });
    expect(mountAt(p, '/home/alice/data')).toMatchObject({ source: '/data/alice', origin: 'cwd' });
    expect(p.storage.workdir).toBe('/home/alice/data');
  });
});

describe('decideContainerSpec: the LSF job tmpdir', () => {
  test.each<[Record<string, string | undefined>, string | undefined, RegExp]>([
    [{ LSB_JOBID: '123', LSB_JOBINDEX: '7' }, '/tmp/123_7.tmpdir', /mounted as \/tmp/],
    [{ LSB_JOBID: '124' }, undefined, /belongs to uid 4202, not you/],
    [{ LSB_JOBID: '125' }, undefined, /\/tmp\/125.tmpdir does not exist/],
    [{ LSB_JOBID: '126' }, undefined, /is not a plain directory/],
    [{ LSB_JOBID: undefined }, undefined, /no LSB_JOBID/],
  ])('%j', (env, source, decision) => {
    const p = plan({ env, host: { symlinks: { '/tmp/126.tmpdir': '/data/alice' } } });
    expect(mountAt(p, '/tmp')?.source).toBe(source);
    expect(p.decisions.join('\n')).toMatch(decision);
  });

  test('a job without LSB_JOBID is named "local"', () => {
    expect(plan({ env: { LSB_JOBID: undefined } }).name).toBe('lsf_local_4242');
  });

  test('job_tmp_root moves the tmpdir', () => {
    const p = plan({
      config: (c) => {
        c.paths.jobTmpRoot = '/scratch';
      },
      host: { paths: { '/scratch/123.tmpdir': dir(ALICE.uid, 0o700) } },
    });
    expect(mountAt(p, '/tmp')?.source).toBe('/scratch/123.tmpdir');
  });
});

describe('decideContainerSpec: admin mounts', () => {
  const withMount = (text: string) => (c: Config) => {
    const parsed = parseMountSpec(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    c.mounts.mount = [parsed.mount];
  };

  test('present on the host: mounted as the admin wrote it', () => {
    const p = plan({
      config: withMount('type=bind,source=/opt/tools,target=/tools,readonly,bind-propagation=rslave'),
    });
    expect(mountAt(p, '/tools')).toEqual({
      source: '/opt/tools',
      target: '/tools',
      readOnly: true,
      propagation: 'rslave',
      origin: 'admin',
    });
  });

  test('absent on the host: skipped, and said so', () => {
    const p = plan({ config: withMount('type=bind,source=/opt/missing,target=/missing') });
    expect(mountAt(p, '/missing')).toBeUndefined();
    expect(p.decisions).toContain('admin mount /opt/missing absent on this host: skipped');
  });

  test('a user volume cannot take an admin target', () => {
    const lines = refusals({
      env: { LSF_DOCKER_VOLUMES: '/data/alice:/tools' },
      config: withMount('type=bind,source=/opt/tools,target=/tools,readonly'),
    });
    expect(lines).toEqual(['LSF_DOCKER_VOLUMES: target /tools is already mounted (admin)']);
  });
});

describe('decideContainerSpec: what runs', () => {
  test('raw args: the image command, no script, no entrypoint', () => {
    const p = plan({ env: { LSF_DOCKER_RUN_RAW_ARGS: '1' }, command: [PLACE_HOLDER] });
    expect([p.process.command, p.process.script, p.process.entrypoint]).toEqual([[], undefined, undefined]);
  });

  test('raw args with an entrypoint', () => {
    const p = plan({
      env: { LSF_DOCKER_RUN_RAW_ARGS: 'yes', LSF_DOCKER_ENTRYPOINT: '/app/run' },
      command: [PLACE_HOLDER],
    });
    expect(p.process.entrypoint).toBe('/app/run');
    expect(p.process.command).toEqual([]);
  });

  test('raw args refused by [security] allow_raw_args = false', () => {
    expect(
      refusals({
        env: { LSF_DOCKER_RUN_RAW_ARGS: '1' },
        command: [PLACE_HOLDER],
        config: (c) => {
          c.security.allowRawArgs = false;
        },
      }),
    ).toEqual(['LSF_DOCKER_RUN_RAW_ARGS: is not allowed on this cluster ([security] allow_raw_args)']);
  });

  test('LSF_DOCKER_ENTRYPOINT replaces /bin/sh, or is refused by [security] allow_entrypoint = false', () => {
    expect(plan({ env: { LSF_DOCKER_ENTRYPOINT: '/bin/bash' } }).process.entrypoint).toBe('/bin/bash');
    expect(
      refusals({
        env: { LSF_DOCKER_ENTRYPOINT: '/bin/bash' },
        config: (c) => {
          c.security.allowEntrypoint = false;
        },
      }),
    ).toEqual(['LSF_DOCKER_ENTRYPOINT: is not allowed on this cluster ([security] allow_entrypoint)']);
  });

  test('the job file LSF wrote is read as the user and run as the job script, never mounted by path', () => {
    const p = plan({ env: { LSB_JOBFILENAME: JOB_FILE }, command: [JOB_FILE] });
    expect(p.process.command).toEqual([CONTAINER_SCRIPT]);
    expect(renderJobFiles(p).script).toBe(
      '#!/bin/sh\n#!/bin/sh\n# LSBATCH: User input\necho from the job file\n',
    );
    expect(mountAt(p, JOB_FILE)).toBeUndefined();
  });

  test('a file in a .lsbatch dir counts as the job file even without LSB_JOBFILENAME', () => {
    expect(renderJobFiles(plan({ command: [JOB_FILE] })).script).toContain('echo from the job file');
  });

  test('a job file the user cannot read is refused, naming LSB_JOBFILENAME', () => {
    const host = { paths: { [JOB_FILE]: file(ALICE.uid, 0o200) } };
    expect(() => plan({ env: { LSB_JOBFILENAME: JOB_FILE }, command: [JOB_FILE], host })).toThrow(
      `LSB_JOBFILENAME: job file ${JOB_FILE}: cannot be read by you`,
    );
  });

  test.each<[string, Partial<FakeHostSpec>]>([
    ['owned by someone else', { paths: { [JOB_FILE]: file(4202, 0o755) } }],
    [
      'a symlink',
      {
        paths: { '/home/alice/.lsbatch/real': file(ALICE.uid, 0o700) },
        symlinks: { '/home/alice/.lsbatch/1700000000.124': 'real' },
      },
    ],
    ['a directory', { paths: { [JOB_FILE]: dir(ALICE.uid) } }],
  ])('a job file %s is not mounted: the command runs through the script', (_why, host) => {
    const word = host.symlinks ? '/home/alice/.lsbatch/1700000000.124' : JOB_FILE;
    const p = plan({ env: { LSB_JOBFILENAME: word }, command: [word], host });
    expect(p.process.command).toEqual([CONTAINER_SCRIPT]);
    expect(renderJobFiles(p).script).toBe(`#!/bin/sh\n${word}\n`);
    expect(p.storage.mounts.some((m) => m.origin === 'jobfile')).toBe(false);
  });

  test('a job file name holding a --mount separator is not mounted', () => {
    for (const word of [
      '/home/alice/.lsbatch/x,source=/etc',
      '/home/alice/.lsbatch/x:y',
      '/home/alice/.lsbatch/x"y',
    ]) {
      const p = plan({ command: [word], host: { paths: { [word]: file(ALICE.uid, 0o700) } } });
      expect(p.storage.mounts.some((m) => m.origin === 'jobfile')).toBe(false);
      expect(p.process.command).toEqual([CONTAINER_SCRIPT]);
    }
  });

  test('LSB_JOBFILENAME cannot make a protected path the job file', () => {
    for (const word of ['/proc/self/environ', '/dev/shm/f', '/etc/passwd']) {
      const p = plan({
        env: { LSB_JOBFILENAME: word },
        command: [word],
        host: {
          paths: {
            '/proc/self': dir(ALICE.uid, 0o555),
            '/proc/self/environ': file(ALICE.uid, 0o400),
            '/dev/shm/f': file(ALICE.uid, 0o700),
            '/etc/passwd': file(ALICE.uid, 0o644),
          },
        },
      });
      expect(p.storage.mounts.filter((m) => m.target === word)).toEqual([]);
      expect(p.process.command).toEqual([CONTAINER_SCRIPT]);
    }
  });
});

describe('decideContainerSpec: image, network, ipc, ports, hosts, cgroup, shm', () => {
  test('an image alias resolves to its target', () => {
    const p = plan({
      env: { LSB_CONTAINER_IMAGE: 'bb' },
      config: (c) => {
        c.images.aliases = { bb: '127.0.0.1:5000/lsfd/busybox:latest' };
        c.images.allowRegistries = ['127.0.0.1:5000'];
      },
    });
    expect(p.image.ref).toBe('127.0.0.1:5000/lsfd/busybox:latest');
    expect(p.decisions).toContain('image alias bb -> 127.0.0.1:5000/lsfd/busybox:latest');
  });

  test('a registry not allowed is refused, naming the variable', () => {
    expect(
      refusals({
        config: (c) => {
          c.images.allowRegistries = ['127.0.0.1:5000'];
        },
      }),
    ).toEqual([
      'LSB_CONTAINER_IMAGE: registry docker.io of "lsf-docker-test/busybox:latest" is not allowed (allowed: 127.0.0.1:5000)',
    ]);
  });

  test.each<[string, string]>([
    ['LSF_DOCKER_NETWORK', 'host'],
    ['LSF_DOCKER_NETWORK', 'none'],
    ['LSF_DOCKER_NETWORK', 'bridge'],
    ['LSF_DOCKER_IPC', 'host'],
    ['LSF_DOCKER_IPC', 'shareable'],
  ])('%s=%s allowed by default', (variable, value) => {
    const p = plan({ env: { [variable]: value } });
    expect(variable === 'LSF_DOCKER_NETWORK' ? p.network.mode : p.network.ipc).toBe(value);
  });

  test.each<[string, string, RegExp]>([
    [
      'LSF_DOCKER_NETWORK',
      'mynet',
      /^LSF_DOCKER_NETWORK: "mynet" is not an allowed network \(allowed: default, bridge, none, host\)$/,
    ],
    ['LSF_DOCKER_NETWORK', 'container:abc', /^LSF_DOCKER_NETWORK: "container:abc" is not an allowed network/],
    ['LSF_DOCKER_IPC', 'container:abc', /^LSF_DOCKER_IPC: "container:abc" is not an allowed ipc mode/],
  ])('%s=%s refused', (variable, value, reason) => {
    expect(refusals({ env: { [variable]: value } })).toEqual([expect.stringMatching(reason)]);
  });

  test('container:* in the allow list admits container:NAME', () => {
    const p = plan({
      env: { LSF_DOCKER_IPC: 'container:abc' },
      config: (c) => {
        c.ipc.allow = ['container:*'];
      },
    });
    expect(p.network.ipc).toBe('container:abc');
  });

  test('host network refused when the admin allows only bridge', () => {
    expect(
      refusals({
        env: { LSF_DOCKER_NETWORK: 'host' },
        config: (c) => {
          c.network.allow = ['bridge'];
        },
      }),
    ).toEqual(['LSF_DOCKER_NETWORK: "host" is not an allowed network (allowed: bridge)']);
  });

  test('ports in range are published', () => {
    expect(plan({ env: { LSF_DOCKER_PORTS: '8080 8998-8999:80-81/udp' } }).network.ports).toEqual([
      { hostPort: 8080, containerPort: 8080, range: 1, protocol: 'tcp' },
      { hostPort: 8998, containerPort: 80, range: 2, protocol: 'udp' },
    ]);
  });

  test.each<[Record<string, string>, (c: Config) => void, string[]]>([
    [{ LSF_DOCKER_PORTS: '80' }, () => {}, ['LSF_DOCKER_PORTS: "80": host ports must be in 8000-8999']],
    [
      { LSF_DOCKER_PORTS: '8999-9000' },
      () => {},
      ['LSF_DOCKER_PORTS: "8999-9000": host ports must be in 8000-8999'],
    ],
    [
      { LSF_DOCKER_PORTS: '8080', LSF_DOCKER_NETWORK: 'host' },
      () => {},
      ['LSF_DOCKER_PORTS: ports cannot be published with LSF_DOCKER_NETWORK=host'],
    ],
    [
      { LSF_DOCKER_PORTS: '8080', LSF_DOCKER_NETWORK: 'none' },
      () => {},
      ['LSF_DOCKER_PORTS: ports cannot be published with LSF_DOCKER_NETWORK=none'],
    ],
    [
      { LSF_DOCKER_PORTS: '8080-8081', LSB_EFFECTIVE_RSRCREQ: 'select[port8080=1]' },
      (c) => {
        c.ports.requireReservation = true;
      },
      ["LSF_DOCKER_PORTS: host port 8081 is not reserved: submit with -R 'select[port8081=1]'"],
    ],
  ])('ports %j refused', (env, config, lines) => {
    expect(refusals({ env, config })).toEqual(lines);
  });

  test('reserved ports pass when required', () => {
    const p = plan({
      env: {
        LSF_DOCKER_PORTS: '8080-8081',
        LSB_EFFECTIVE_RSRCREQ: 'select[port8080=1 && port8081 = 1] rusage[mem=1]',
      },
      config: (c) => {
        c.ports.requireReservation = true;
      },
    });
    expect(p.network.ports).toEqual([{ hostPort: 8080, containerPort: 8080, range: 2, protocol: 'tcp' }]);
  });

  test('extra hosts from LSF_DOCKER_ADD_HOST and from a file the user can read', () => {
    const p = plan({
      env: { LSF_DOCKER_ADD_HOST: 'x:1.2.3.4', LSF_DOCKER_ADD_HOST_FILE: '/home/alice/hosts' },
    });
    expect(p.network.extraHosts).toEqual([
      { name: 'x', address: '1.2.3.4' },
      { name: 'db.local', address: '10.0.0.5' },
      { name: 'gw', address: 'host-gateway' },
    ]);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['/home/alice/none', {}, /^LSF_DOCKER_ADD_HOST_FILE: \/home\/alice\/none: does not exist$/],
    [
      '/home/bob/hosts',
      { '/home/bob/hosts': 'a:1.1.1.1\n' },
      /^LSF_DOCKER_ADD_HOST_FILE: \/home\/bob\/hosts: cannot be read by you$/,
    ],
    [
      '/home/alice/hosts',
      { '/home/alice/hosts': 'ok:1.1.1.1\n\nbad name:1.1.1.1\n' },
      /^LSF_DOCKER_ADD_HOST_FILE: \/home\/alice\/hosts: line 3 is not HOSTNAME:IP entries$/,
    ],
  ])('an add-host file %s refused', (path, files, reason) => {
    const lines = refusals({
      env: { LSF_DOCKER_ADD_HOST_FILE: path },
      host: { files, paths: { '/home/bob/hosts': file(4202, 0o600) } },
    });
    expect(lines[0]).toMatch(reason);
  });

  test('cgroup parent only under [security] allow_cgroup_parent', () => {
    const allow = (c: Config) => {
      c.security.allowCgroupParent = ['/lsf'];
    };
    expect(plan({ env: { LSF_DOCKER_CGROUP: '/lsf/job_123' }, config: allow }).resources.cgroupParent).toBe(
      '/lsf/job_123',
    );
    expect(refusals({ env: { LSF_DOCKER_CGROUP: '/lsfx' }, config: allow })).toEqual([
      'LSF_DOCKER_CGROUP: "/lsfx" is not allowed ([security] allow_cgroup_parent)',
    ]);
    expect(refusals({ env: { LSF_DOCKER_CGROUP: '/lsf' } })).toEqual([
      'LSF_DOCKER_CGROUP: "/lsf" is not allowed ([security] allow_cgroup_parent)',
    ]);
  });

  test('shm size up to [resources] max_shm_size', () => {
    const max = (c: Config) => {
      c.resources.maxShmSize = 1024 ** 3;
    };
    expect(plan({ env: { LSF_DOCKER_SHM_SIZE: '1g' }, config: max }).network.shmSize).toBe(1024 ** 3);
    expect(refusals({ env: { LSF_DOCKER_SHM_SIZE: '2g' }, config: max })).toEqual([
      'LSF_DOCKER_SHM_SIZE: 2g is above the limit of 1g',
    ]);
  });
});

describe('decideContainerSpec: resources and devices', () => {
  test('cpu shares follow the slots on this host', () => {
    expect(plan({ env: { LSB_MCPU_HOSTS: 'node0 1 node1 4' } }).resources.cpuShares).toBe(4096);
    expect(plan({ env: { LSB_MCPU_HOSTS: 'node1 1000' } }).resources.cpuShares).toBe(262144);
  });

  test("memory: the job's bsub -M limit, capped by max_memory; swap none or unlimited", () => {
    expect(plan({ host: { rss: 2 * 1024 ** 3 } }).resources).toMatchObject({
      memory: 2 * 1024 ** 3,
      swap: 'none',
    });
    const capped = plan({
      host: { rss: 64 * 1024 ** 3 },
      config: (c) => {
        c.resources.maxMemory = 8 * 1024 ** 3;
        c.resources.swap = 'unlimited';
      },
    });
    expect(capped.resources).toMatchObject({ memory: 8 * 1024 ** 3, swap: 'unlimited' });
    const none = plan({
      config: (c) => {
        c.resources.memory = undefined;
      },
    });
    expect(none.resources.memory).toBeUndefined();
  });

  test('only the infiniband devices present on the host', () => {
    expect(plan().devices.paths).toEqual(['/dev/infiniband/rdma_cm', '/dev/infiniband/uverbs0']);
    expect(
      plan({
        config: (c) => {
          c.devices.infiniband = ['/dev/infiniband/issm0'];
        },
      }).devices.paths,
    ).toEqual([]);
  });

  test.each<[string, Record<string, string>, string[], Config['devices']['gpus'], GpuSpec, string]>([
    [
      'allocated GPUs',
      { CUDA_VISIBLE_DEVICES: '1,3', LSB_EFFECTIVE_RSRCREQ: 'select[ngpus>0] rusage[ngpus_physical=2.00]' },
      ['0', '1', '2', '3'],
      'allocated',
      { kind: 'devices', ids: ['1', '3'] },
      '1,3',
    ],
    [
      'CUDA_VISIBLE_DEVICES exported by a job that asked for no GPU',
      { CUDA_VISIBLE_DEVICES: '1', LSB_EFFECTIVE_RSRCREQ: 'select[type == local] order[r15s:pg]' },
      ['0', '1'],
      'allocated',
      { kind: 'none' },
      'void',
    ],
    ['no GPU allocated', {}, ['0', '1'], 'allocated', { kind: 'none' }, 'void'],
    ['a host without GPUs', { CUDA_VISIBLE_DEVICES: '0' }, [], 'allocated', { kind: 'none' }, 'void'],
    ['GPUs off', { CUDA_VISIBLE_DEVICES: '0' }, ['0'], 'off', { kind: 'none' }, 'void'],
    ['all GPUs', {}, ['0', '1'], 'all', { kind: 'all' }, 'all'],
  ])('%s', (_name, env, gpus, mode, expected, visible) => {
    const p = plan({
      env,
      host: { gpus },
      config: (c) => {
        c.devices.gpus = mode;
      },
    });
    expect(p.devices.gpus).toEqual(expected);
    expect(envFileEntries(p.process.envFile)).toContain(`NVIDIA_VISIBLE_DEVICES=${visible}`);
  });

  test('allocated GPUs are renumbered from 0 inside the container', () => {
    const p = plan({
      env: { CUDA_VISIBLE_DEVICES: '1,3', LSB_EFFECTIVE_RSRCREQ: 'rusage[ngpus_physical=2]' },
      host: { gpus: ['0', '1', '2', '3'] },
    });
    expect(envFileEntries(p.process.envFile)).toContain('CUDA_VISIBLE_DEVICES=0,1');
  });

  test('a GPU this host does not have is refused, naming the variable', () => {
    expect(() =>
      plan({
        env: { CUDA_VISIBLE_DEVICES: '0,7', LSB_EFFECTIVE_RSRCREQ: 'rusage[ngpus_physical=2]' },
        host: { gpus: ['0', '1'] },
      }),
    ).toThrow('CUDA_VISIBLE_DEVICES: GPU 7 does not exist on this host (it has 0,1)');
  });
});

describe('decideContainerSpec: environment', () => {
  const envOf = (p: ContainerSpec) => new Map(envFileEntries(p.process.envFile).map(entryPair));

  test('preserved: the job environment, minus what an env-file cannot carry, plus the wrapper variables', () => {
    const p = plan({
      env: {
        FOO: 'bar',
        HOSTNAME: 'node1',
        LSB_INTERACTIVE: 'N',
        MULTI: 'a\nb',
        'BASH_FUNC_f%%': '() { echo hi; }',
        FN: '() { :; }',
        NVIDIA_VISIBLE_DEVICES: 'all',
        'BAD-NAME': 'x',
      },
    });
    const env = envOf(p);
    expect(env.get('FOO')).toBe('bar');
    expect(env.get('PATH')).toBe('/usr/bin:/bin');
    expect(env.get('NVIDIA_VISIBLE_DEVICES')).toBe('void');
    for (const name of ['HOSTNAME', 'LSB_INTERACTIVE', 'MULTI', 'BASH_FUNC_f%%', 'FN', 'BAD-NAME'])
      expect(env.has(name)).toBe(false);
    expect(p.decisions).toEqual(
      expect.arrayContaining([
        'environment: MULTI dropped (its value holds a newline, which an env-file cannot carry)',
        'environment: BASH_FUNC_f%% dropped (a bash function)',
        'environment: FN dropped (a bash function)',
        'environment preserved',
      ]),
    );
  });

  test('not preserved: the LSF job variables and the user identity only', () => {
    const p = plan({ env: { LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false', FOO: 'bar', HOME: '/elsewhere' } });
    expect(envFileEntries(p.process.envFile)).toEqual([
      'LSB_JOBID=123',
      'LSB_JOBINDEX=0',
      'LS_SUBCWD=/home/alice/work',
      'LSB_HOSTS=node1',
      'NVIDIA_VISIBLE_DEVICES=void',
      'HOME=/home/alice',
      'USER=alice',
      'LOGNAME=alice',
      'TMPDIR=/tmp',
    ]);
  });

  test('the admin default applies when the job says nothing', () => {
    const p = plan({
      env: { FOO: 'bar' },
      config: (c) => {
        c.environment.preserve = false;
      },
    });
    expect(envOf(p).has('FOO')).toBe(false);
  });

  test('[environment] deny drops names by whole-name pattern', () => {
    const p = plan({
      env: { AWS_SECRET: 'x', MY_AWS_X: 'y', SSH_AUTH_SOCK: '/tmp/s' },
      config: (c) => {
        c.environment.deny = ['AWS_.*', 'SSH_AUTH_SOCK'];
      },
    });
    const env = envOf(p);
    expect([env.has('AWS_SECRET'), env.has('MY_AWS_X'), env.has('SSH_AUTH_SOCK')]).toEqual([
      false,
      true,
      false,
    ]);
  });

  test('user env files add and override; the wrapper variables win over both', () => {
    const p = plan({
      env: { LSF_DOCKER_ENV_FILE: '/home/alice/.env', FROM_FILE: 'job', X: '1' },
      host: {
        files: {
          '/home/alice/.env': 'FROM_FILE=file\nexport EXPORTED=two words\nNVIDIA_VISIBLE_DEVICES=all\n',
        },
      },
    });
    const env = envOf(p);
    expect(env.get('FROM_FILE')).toBe('file');
    expect(env.get('EXPORTED')).toBe('two words');
    expect(env.get('NVIDIA_VISIBLE_DEVICES')).toBe('void');
  });

  test('a bad env file is refused line by line', () => {
    const lines = refusals({
      env: { LSF_DOCKER_ENV_FILE: '/home/alice/.env' },
      host: { files: { '/home/alice/.env': 'OK=1\n1BAD=2\n' } },
    });
    expect(lines).toEqual(['LSF_DOCKER_ENV_FILE: /home/alice/.env: line 2 is not NAME=value']);
  });

  test('interactive jobs get LSF_NIOS_JOBSTATUS_INTERVAL and a tty only when stdin is one', () => {
    const withTty = plan({ env: { LSB_INTERACTIVE: 'Y' }, host: { tty: true } });
    expect([withTty.process.interactive, withTty.process.tty]).toEqual([true, true]);
    expect(envOf(withTty).get('LSF_NIOS_JOBSTATUS_INTERVAL')).toBe('1');
    const piped = plan({ env: { LSB_INTERACTIVE: 'Y' }, host: { tty: false } });
    expect([piped.process.interactive, piped.process.tty]).toEqual([true, false]);
    const batch = plan({ host: { tty: true } });
    expect([batch.process.interactive, batch.process.tty]).toEqual([false, false]);
  });
});
