import { readFileSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { checkConfigOwnership, configFromIni } from '../../../lib/config/load.js';
import { type Config, defaultConfig, KEYS } from '../../../lib/config/schema.js';
import { WrapperError } from '../../../lib/kernel/errors.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';

const SOURCE = '/etc/lsf-docker/test.conf';
const load = (text: string): Config => configFromIni(parseIni(text), SOURCE);

/** The WrapperError thrown by FN (failing the test when nothing or something else is thrown). */
function errorOf(fn: () => unknown): WrapperError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WrapperError) return err;
    throw err;
  }
  throw new Error('expected a WrapperError, nothing was thrown');
}

describe('configFromIni: an empty file is the defaults', () => {
  test('no sections', () => {
    expect(load('')).toEqual(defaultConfig());
  });
  test('comments only', () => {
    expect(load('; a comment\n# another\n[docker]\n; binary = /x\n')).toEqual(defaultConfig());
  });
});

describe('configFromIni: typed values', () => {
  test.each<[string, (c: Config) => unknown, unknown]>([
    ['[docker]\nbinary = /usr/bin/docker', (c) => c.docker.binary, '/usr/bin/docker'],
    ['[docker]\nbinary = podman', (c) => c.docker.binary, 'podman'],
    ['[docker]\nhost = unix:///run/docker.sock', (c) => c.docker.host, 'unix:///run/docker.sock'],
    ['[docker]\nhost = tcp://10.0.0.1:2376', (c) => c.docker.host, 'tcp://10.0.0.1:2376'],
    ['[docker]\nhost =', (c) => c.docker.host, undefined],
    ['[docker]\ntimeout = 1.5', (c) => c.docker.timeout, 1.5],
    ['[docker]\npull = Always', (c) => c.docker.pull, 'always'],
    ['[docker]\npull_retries = 0', (c) => c.docker.pullRetries, 0],
    [
      '[images]\nallow_registries[] = 127.0.0.1:5000\nallow_registries[] = docker.io',
      (c) => c.images.allowRegistries,
      ['127.0.0.1:5000', 'docker.io'],
    ],
    [
      '[image_aliases]\nbb = lsf-docker-test/busybox:latest',
      (c) => c.images.aliases,
      { bb: 'lsf-docker-test/busybox:latest' },
    ],
    ['[volumes]\nallow[] = /data/\nallow[] = /scratch', (c) => c.volumes.allow, ['/data', '/scratch']],
    ['[volumes]\nallow_home = false', (c) => c.volumes.allowHome, false],
    ['[volumes]\nallow_home = no', (c) => c.volumes.allowHome, false],
    ['[volumes]\nallow_home = Yes', (c) => c.volumes.allowHome, true],
    ['[volumes]\ndeny_targets[] = /opt/ibm', (c) => c.volumes.denyTargets, ['/opt/ibm']],
    [
      '[mounts]\nmount[] = type=bind,source=/opt/tools,target=/tools,readonly',
      (c) => c.mounts.mount.map(({ source, target, readOnly }) => ({ source, target, readOnly })),
      [{ source: '/opt/tools', target: '/tools', readOnly: true }],
    ],
    [
      '[mounts]\nmount[] = type:bind,source:/cvmfs,target:/cvmfs,readonly:true,bind-propagation:rslave',
      (c) =>
        c.mounts.mount.map(({ source, target, readOnly, propagation }) => ({
          source,
          target,
          readOnly,
          propagation,
        })),
      [{ source: '/cvmfs', target: '/cvmfs', readOnly: true, propagation: 'rslave' }],
    ],
    [
      '[security]\ncap_add[] = cap_sys_nice\ncap_add[] = KILL',
      (c) => c.security.capAdd,
      ['SYS_NICE', 'KILL'],
    ],
    ['[security]\ncap_add[] =', (c) => c.security.capAdd, []],
    ['[security]\npids_limit = 0', (c) => c.security.pidsLimit, 0],
    ['[security]\nallow_raw_args = false', (c) => c.security.allowRawArgs, false],
    ['[network]\nallow[] = none', (c) => c.network.allow, ['none']],
    ['[ports]\nrange = 9000-9100', (c) => [c.ports.first, c.ports.last], [9000, 9100]],
    ['[resources]\nmemory = 4g', (c) => c.resources.memory, 4 * 1024 ** 3],
    ['[resources]\nmemory =', (c) => c.resources.memory, undefined],
    ['[resources]\nswap = Unlimited', (c) => c.resources.swap, 'unlimited'],
    [
      '[resources]\nulimit[] = memlock=-1\nulimit[] = nofile=1024:2048',
      (c) => c.resources.ulimits,
      ['memlock=-1', 'nofile=1024:2048'],
    ],
    ['[resources]\nmax_shm_size = 1g', (c) => c.resources.maxShmSize, 1024 ** 3],
    ['[devices]\ngpus = OFF', (c) => c.devices.gpus, 'off'],
    [
      '[devices]\ninfiniband[] = /dev/infiniband/uverbs0',
      (c) => c.devices.infiniband,
      ['/dev/infiniband/uverbs0'],
    ],
    [
      '[environment]\ndeny[] = "SSH_AUTH_SOCK|KRB5CCNAME"',
      (c) => c.environment.deny,
      ['SSH_AUTH_SOCK|KRB5CCNAME'],
    ],
    ['[environment]\npreserve = 0', (c) => c.environment.preserve, false],
    ['[paths]\ntmp_root = /var/tmp', (c) => c.paths.tmpRoot, '/var/tmp'],
    ['[log]\nlevel = debug', (c) => c.log.level, 'DEBUG'],
    ['[log]\nlevel = warn', (c) => c.log.level, 'WARNING'],
    ['[local]\nslots = 4', (c) => c.local.slots, 4],
    ['[build]\nallow_network_host = true', (c) => c.build.allowNetworkHost, true],
  ])('%j', (text, pick, value) => {
    expect(pick(load(text))).toEqual(value);
  });

  test('keys left out keep their defaults', () => {
    const config = load('[volumes]\nallow[] = /data\n');
    expect({ ...config, volumes: defaultConfig().volumes }).toEqual(defaultConfig());
  });
});

describe('configFromIni: every bad key or value is refused, naming the file, section and key', () => {
  test.each<[string, string, RegExp]>([
    ['[docker]\nbinnary = docker', '[docker] binnary', /not a known key/],
    ['[docker]\nbinary = ./docker', '[docker] binary', /absolute path or a command name/],
    ['[docker]\nbinary = docker --tls', '[docker] binary', /absolute path or a command name/],
    ['[docker]\nbinary[] = docker', '[docker] binary', /single value/],
    ['[docker]\nhost = http://x', '[docker] host', /unix:\/\/\//],
    ['[docker]\ntimeout = 0', '[docker] timeout', /above 0/],
    ['[docker]\ntimeout = 3601', '[docker] timeout', /at most 3600/],
    ['[docker]\ntimeout = 10s', '[docker] timeout', /number of seconds/],
    ['[docker]\npull = sometimes', '[docker] pull', /one of always, missing, never/],
    ['[docker]\npull_retries = 11', '[docker] pull_retries', /0 to 10/],
    ['[docker]\npull_retries = -1', '[docker] pull_retries', /0 to 10/],
    ['[volumes]\nallow = /data', '[volumes] allow', /must be a list/],
    ['[volumes]\nallow[] = data', '[volumes] allow', /not an absolute path/],
    ['[volumes]\nallow[] = /data/../etc', '[volumes] allow', /\.\./],
    ['[volumes]\nallow[] = /data,readonly', '[volumes] allow', /character not allowed/],
    ['[volumes]\nallow_home = maybe', '[volumes] allow_home', /true or false/],
    ['[mounts]\nmount[] = type=volume,source=x,target=/x', '[mounts] mount', /only type=bind/],
    ['[mounts]\nmount[] = source=/a,target=/b,z', '[mounts] mount', /has no value/],
    ['[mounts]\nmount[] = source=/a,target=/b,foo=bar', '[mounts] mount', /unknown field "foo"/],
    ['[mounts]\nmount[] = source=/a,source=/b', '[mounts] mount', /given twice/],
    ['[mounts]\nmount[] = source=rel,target=/b', '[mounts] mount', /source .*not an absolute path/],
    ['[mounts]\nmount[] = source=/a,bind-propagation=weird', '[mounts] mount', /bind-propagation "weird"/],
    ['[security]\ncap_add[] = ALL', '[security] cap_add', /"ALL" is not a Linux capability/],
    ['[security]\ncap_add[] = SYS_FOO', '[security] cap_add', /not a Linux capability/],
    ['[security]\npids_limit = -1', '[security] pids_limit', /whole number/],
    ['[security]\nallow_cgroup_parent[] = lsf', '[security] allow_cgroup_parent', /absolute/],
    ['[network]\nallow = host', '[network] allow', /must be a list/],
    ['[ports]\nrange = 9000-8000', '[ports] range', /FIRST-LAST/],
    ['[ports]\nrange = 0-10', '[ports] range', /FIRST-LAST/],
    ['[ports]\nrange = 8000-70000', '[ports] range', /FIRST-LAST/],
    ['[ports]\nrange = 8000', '[ports] range', /FIRST-LAST/],
    ['[resources]\nmemory = lots', '[resources] memory', /size such as/],
    ['[resources]\nmemory = 99999999999p', '[resources] memory', /size such as/],
    ['[resources]\nswap = some', '[resources] swap', /none, unlimited/],
    ['[resources]\ncpu_shares_per_slot = 1', '[resources] cpu_shares_per_slot', /2 to 262144/],
    ['[resources]\nulimit[] = nofile', '[resources] ulimit', /NAME=SOFT\[:HARD\]/],
    ['[resources]\nulimit[] = nofile=1:2:3', '[resources] ulimit', /NAME=SOFT/],
    ['[devices]\ngpus = some', '[devices] gpus', /allocated, all, off/],
    ['[environment]\ndeny[] = "("', '[environment] deny', /not a regular expression/],
    ['[log]\nlevel = verbose', '[log] level', /CRITICAL, ERROR, WARNING, INFO or DEBUG/],
    ['[local]\nslots = 0', '[local] slots', /1 to 100000/],
    ['[image_aliases]\nbad name = busybox', '[image_aliases] bad name', /alias name/],
    ['[image_aliases]\nbb = Not/An/Image', '[image_aliases] bb', /repository name/],
    ['[image_aliases]\nbb = -busybox', '[image_aliases] bb', /must not start with "-"/],
  ])('%j', (text, key, reason) => {
    const err = errorOf(() => load(text));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message.startsWith(`${SOURCE}: ${key}: `)).toBe(true);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain('\n');
  });
});

describe('configFromIni: lines that are not config at all are refused without echoing them', () => {
  test.each<[string, RegExp]>([
    ['[dockr]\nbinary = docker', /section \[dockr\] is not a known section/],
    ['binary = docker', /key=value line outside any \[section\]/],
    ['root:*:20228:0:99999:7:::', /outside any \[section\]: not an lsf-docker config/],
  ])('%j', (text, reason) => {
    const err = errorOf(() => load(text));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain('20228');
  });
});

describe('templates/lsf-docker.conf documents every key, and its examples are valid', () => {
  const template = readFileSync(new URL('../../../templates/lsf-docker.conf', import.meta.url), 'utf8');

  test('every key of the schema appears in its section', () => {
    const sections = new Map<string, string>();
    let section = '';
    for (const line of template.split('\n')) {
      const header = /^\s*\[([a-z_]+)\]\s*$/.exec(line);
      if (header) section = header[1]!;
      else sections.set(section, `${sections.get(section) ?? ''}${line}\n`);
    }
    const missing = KEYS.filter(
      (k) => !new RegExp(`^[;#]?\\s*${k.key}(\\[\\])?\\s*=`, 'm').test(sections.get(k.section) ?? ''),
    ).map((k) => `[${k.section}] ${k.key}`);
    expect(missing).toEqual([]);
  });

  test('uncommenting every example line gives a valid config', () => {
    const uncommented = template
      .split('\n')
      .map((line) => {
        const m = /^;\s*([a-z_]+(?:\[\])?\s*=.*)$/.exec(line);
        return m ? m[1] : line;
      })
      .join('\n');
    const config = load(uncommented);
    expect(config.volumes.allow.length).toBeGreaterThan(0);
    expect(config.mounts.mount.length).toBeGreaterThan(0);
  });
});

describe('checkConfigOwnership: only a file nobody else could have written is trusted', () => {
  test.each<[string, number, number]>([
    ['100644', 0, 0],
    ['100600', 0, 0],
    ['100640', 0, 4201],
    ['100444', 0, 4201],
    ['100644', 4201, 4201],
  ])('mode %s, owner %d, reader euid %d: trusted', (mode, owner, euid) => {
    expect(() => checkConfigOwnership(SOURCE, Number.parseInt(mode, 8), owner, { euid })).not.toThrow();
  });

  test.each<[string, number, number, RegExp]>([
    ['100664', 0, 0, /writable by its group \(mode 664\)/],
    ['100620', 0, 4201, /writable by its group/],
    ['100646', 0, 0, /writable by everyone \(mode 646\)/],
    ['100666', 0, 4201, /writable by everyone/],
    ['100777', 0, 0, /writable by everyone \(mode 777\)/],
    ['100644', 4201, 0, /owned by uid 4201, not root/],
    ['100600', 4201, 0, /owned by uid 4201, not root/],
    ['100644', 4202, 4201, /owned by uid 4202, not root/],
  ])('mode %s, owner %d, reader euid %d: refused', (mode, owner, euid, reason) => {
    const err = errorOf(() => checkConfigOwnership(SOURCE, Number.parseInt(mode, 8), owner, { euid }));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message).toMatch(new RegExp(`^${SOURCE}: `));
    expect(err.message).toMatch(reason);
    expect(err.message).toMatch(/refusing to trust it/);
  });
});
