import { parseMountSpec } from '../../../../lib/config/mount-spec.js';
import type { Config } from '../../../../lib/config/schema.js';
import { mountsRule } from '../../../../lib/policy/rules/mounts.js';
import type { BindMount } from '../../../../lib/runtime/container-spec.js';
import { dir, type FakeHostSpec, file } from '../../helpers/fake-host.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

const CWD: BindMount = {
  source: '/home/alice/work',
  target: '/home/alice/work',
  readOnly: false,
  origin: 'cwd',
};
const TMP: BindMount = { source: '/tmp/123.tmpdir', target: '/tmp', readOnly: false, origin: 'tmpdir' };
const adminMount = (text: string) => (c: Config) => {
  const parsed = parseMountSpec(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  c.mounts.mount = [parsed.mount];
};

interface Case {
  env?: Record<string, string | undefined>;
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
}
const rule = ({ env = {}, config, host }: Case) => mountsRule(requestFor(env), ruleContext(config, host));

describe('mountsRule: the cwd, the job tmpdir, admin mounts and user volumes, and the workdir', () => {
  test.each<[string, Case, BindMount[], string, string[]]>([
    [
      'a batch job: the cwd (the workdir) and the tmpdir as /tmp',
      {},
      [CWD, TMP],
      '/home/alice/work',
      ['cwd /home/alice/work mounted and used as workdir', 'job tmpdir /tmp/123.tmpdir mounted as /tmp'],
    ],
    [
      'LSF_DOCKER_WORKDIR',
      { env: { LSF_DOCKER_WORKDIR: '/opt/app' } },
      [CWD, TMP],
      '/opt/app',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'workdir /opt/app (LSF_DOCKER_WORKDIR)',
        'job tmpdir /tmp/123.tmpdir mounted as /tmp',
      ],
    ],
    [
      'outside LSF: no tmpdir',
      { env: { LSB_JOBID: undefined } },
      [CWD],
      '/home/alice/work',
      ['cwd /home/alice/work mounted and used as workdir', 'no LSB_JOBID: no job tmpdir to mount'],
    ],
    [
      "someone else's tmpdir is left alone",
      { env: { LSB_JOBID: '124' } },
      [CWD],
      '/home/alice/work',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'job tmpdir /tmp/124.tmpdir belongs to uid 4202, not you: not passed to docker',
      ],
    ],
    [
      'a tmpdir that is a link is left alone',
      { env: { LSB_JOBID: '126' }, host: { symlinks: { '/tmp/126.tmpdir': '/data/alice' } } },
      [CWD],
      '/home/alice/work',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'job tmpdir /tmp/126.tmpdir is not a plain directory: not passed to docker',
      ],
    ],
    [
      'an array element has its own tmpdir',
      { env: { LSB_JOBINDEX: '7' } },
      [CWD, { ...TMP, source: '/tmp/123_7.tmpdir' }],
      '/home/alice/work',
      ['cwd /home/alice/work mounted and used as workdir', 'job tmpdir /tmp/123_7.tmpdir mounted as /tmp'],
    ],
    [
      'an admin mount present, one absent',
      {
        config: (c) => {
          adminMount('type=bind,source=/opt/tools,target=/tools,readonly,bind-propagation=rslave')(c);
          c.mounts.mount.push({ source: '/opt/absent', target: '/absent', readOnly: false, text: '' });
        },
      },
      [
        CWD,
        TMP,
        { source: '/opt/tools', target: '/tools', readOnly: true, propagation: 'rslave', origin: 'admin' },
      ],
      '/home/alice/work',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'job tmpdir /tmp/123.tmpdir mounted as /tmp',
        'admin mount /opt/absent absent on this host: skipped',
      ],
    ],
    [
      'user volumes from their canonical source',
      { env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/in:ro /home/alice/data:/d' } },
      [
        CWD,
        TMP,
        { source: '/data/alice/in', target: '/in', readOnly: true, origin: 'user' },
        { source: '/data/alice', target: '/d', readOnly: false, origin: 'user' },
      ],
      '/home/alice/work',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'job tmpdir /tmp/123.tmpdir mounted as /tmp',
        'volume /data/alice/in:/in:ro allowed',
        'volume /home/alice/data:/d allowed',
      ],
    ],
    [
      'a read-write volume the user cannot write is mounted, and said so',
      { env: { LSF_DOCKER_VOLUMES: '/data/shared:/s' } },
      [CWD, TMP, { source: '/data/shared', target: '/s', readOnly: false, origin: 'user' }],
      '/home/alice/work',
      [
        'cwd /home/alice/work mounted and used as workdir',
        'job tmpdir /tmp/123.tmpdir mounted as /tmp',
        'volume /data/shared is not writable by you; mounted anyway (writes will fail)',
        'volume /data/shared:/s allowed',
      ],
    ],
  ])('%s', (_name, c, mounts, workdir, decisions) => {
    expect(rule(c)).toEqual({ ok: true, part: { mounts, workdir }, decisions });
  });

  test.each<[string, Case, Array<[string, string | RegExp]>]>([
    [
      'a cwd outside the roots',
      { env: { LS_SUBCWD: '/etc' } },
      [
        [
          'LS_SUBCWD',
          'submission directory /etc is not under an allowed volume root (/data, /scratch, /home/alice)',
        ],
      ],
    ],
    [
      'a cwd in a protected tree',
      { env: { LS_SUBCWD: '/proc/1' } },
      [['LS_SUBCWD', 'submission directory: /proc/1 lies in the protected /proc']],
    ],
    [
      'a volume from outside the roots',
      { env: { LSF_DOCKER_VOLUMES: '/etc:/x' } },
      [['LSF_DOCKER_VOLUMES', /"\/etc:\/x": \/etc is not under/]],
    ],
    [
      'a volume onto a protected target',
      { env: { LSF_DOCKER_VOLUMES: '/data/alice:/etc/passwd' } },
      [['LSF_DOCKER_VOLUMES', '"/data/alice:/etc/passwd": target /etc/passwd is protected']],
    ],
    [
      'two volumes onto one target',
      { env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/x /data/alice/out:/x' } },
      [['LSF_DOCKER_VOLUMES', 'target /x is already mounted (user)']],
    ],
    [
      'a volume onto the tmpdir',
      { env: { LSF_DOCKER_VOLUMES: '/data/alice:/tmp' } },
      [['LSF_DOCKER_VOLUMES', 'target /tmp is already mounted (tmpdir)']],
    ],
    [
      'a volume target the daemon would create in the cwd',
      { env: { LSF_DOCKER_VOLUMES: '/scratch/alice:/home/alice/work/new' } },
      [
        [
          'LSF_DOCKER_VOLUMES',
          /^target \/home\/alice\/work\/new lies inside the mount at \/home\/alice\/work/,
        ],
      ],
    ],
    [
      'a workdir the daemon would create in the cwd',
      { env: { LSF_DOCKER_WORKDIR: '/home/alice/work/nope' } },
      [['LSF_DOCKER_WORKDIR', /^\/home\/alice\/work\/nope lies inside the mount at \/home\/alice\/work/]],
    ],
    [
      'every problem at once, in order',
      { env: { LS_SUBCWD: '/etc', LSF_DOCKER_VOLUMES: '/etc:/a /data/alice:/proc/x' } },
      [
        ['LS_SUBCWD', /^submission directory \/etc/],
        ['LSF_DOCKER_VOLUMES', /^"\/etc:\/a"/],
        ['LSF_DOCKER_VOLUMES', /^"\/data\/alice:\/proc\/x"/],
      ],
    ],
  ])('%s: refused', (_name, c, problems) => {
    expect(rule(c)).toEqual({
      ok: false,
      problems: problems.map(([variable, message]) => ({
        variable,
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      })),
    });
  });

  test('a cwd given by no LS_SUBCWD is named as the cwd', () => {
    const host = { paths: { '/home/alice/work': file(4201) } };
    expect(rule({ env: { LS_SUBCWD: undefined }, host })).toMatchObject({
      ok: false,
      problems: [{ variable: 'cwd', message: expect.stringMatching(/is not a directory/) }],
    });
  });

  test('a volume target inside a volume that exists there is fine', () => {
    const host = { paths: { '/data/alice/in/sub': dir(4201) } };
    const c = { env: { LSF_DOCKER_VOLUMES: '/data/alice/in:/in /data/alice/out:/in/sub' }, host };
    expect(rule(c).ok).toBe(true);
  });
});
