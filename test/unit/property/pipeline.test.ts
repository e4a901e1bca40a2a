/**
 * Property tests of the whole pure pipeline: arbitrary job environments (hostile volumes, modes,
 * ports, sizes, paths, LSB_* values, variable names and values) against one fixed admin policy
 * and one fake host. Each case either is refused with a WrapperError whose every line names the
 * variable at fault, or gives a `docker run` argv that stays inside the policy.
 */
import fc from 'fast-check';
import type { Config } from '../../../lib/config/schema.js';
import { envFileEntries } from '../../../lib/kernel/env-entries.js';
import { WrapperError } from '../../../lib/kernel/errors.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { parseHostEntry } from '../../../lib/kernel/grammar/host.js';
import { parseImageRef } from '../../../lib/kernel/grammar/image.js';
import { isWithin, parseAbsolutePath } from '../../../lib/kernel/grammar/path.js';
import { ALWAYS_DROPPED, denyPatterns, dropReason } from '../../../lib/policy/rules/environment.js';
import { PLACE_HOLDER } from '../../../lib/request/job-request.js';
import { CONTAINER_SCRIPT, type ContainerSpec } from '../../../lib/runtime/container-spec.js';
import { dockerRunArgv } from '../../../lib/runtime/docker/argv/run.js';
import { linesOf } from '../helpers/errors.js';
import { dir, fakeHost, file } from '../helpers/fake-host.js';
import { ALICE, FILES, hostSpec, JOB_FILE, PRIVATE_DIR, specFor, testConfig } from '../helpers/fixtures.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 600);
const A = ALICE.uid;

// ---------------------------------------------------------------------------------------------
// The fixed world.

const ADMIN_MOUNT = { source: '/opt/tools', target: '/tools', readOnly: true, text: '/opt/tools' };

function policy(): Config {
  return testConfig((c) => {
    c.mounts.mount = [ADMIN_MOUNT, { source: '/opt/absent', target: '/absent', readOnly: false, text: '' }];
    c.security.allowCgroupParent = ['/lsf'];
    c.resources.maxShmSize = 8 * 1024 ** 3;
    c.environment.deny = ['AWS_.*', 'SSH_AUTH_SOCK'];
    c.network.allow = ['default', 'bridge', 'none', 'host'];
    c.ipc.allow = ['private', 'shareable', 'host'];
  });
}
const CONFIG = policy();
const ROOTS = [...CONFIG.volumes.allow, ALICE.home];
const DENY = denyPatterns(CONFIG.environment.deny);

/** Paths whose names hold what --mount, -v or a shell would read as syntax, and links to them. */
const WEIRD_DIRS = [
  '/data/alice/a,b',
  '/data/alice/x,source=',
  '/data/alice/x,source=/etc',
  '/data/alice/c:d',
  '/data/alice/sp ace',
  '/data/alice/-rf',
  '/data/alice/q"uote',
  '/data/alice/nl\nx',
  '/home/alice/x,source=',
];
const WEIRD_LINKS: Record<string, string> = {
  '/data/alice/l-comma': '/data/alice/x,source=/etc',
  '/data/alice/l-rel': 'a,b',
  '/data/alice/l-colon': '/data/alice/c:d',
  '/data/alice/l-space': '/data/alice/sp ace',
  '/data/alice/l-up': '../../etc',
  '/data/alice/l-tmp': '/tmp',
  '/data/alice/l-sock': '/var/run/docker.sock',
  '/data/alice/l-shm': '/dev/shm',
  '/data/alice/l-proc': '/proc/self',
  '/data/alice/l-home': '/home/alice',
  '/home/alice/l-root': '/',
  '/home/alice/l-lsf': '/lsf-docker',
};

function hostFor(files: Record<string, string>) {
  const spec = hostSpec({
    paths: {
      ...Object.fromEntries(WEIRD_DIRS.map((p) => [p, dir(A)])),
      '/home/alice/x,source=/etc': file(A, 0o700),
      '/home/alice/.lsbatch/a,b': file(A, 0o700),
      '/proc/self': dir(A, 0o555),
      '/proc/self/environ': file(A, 0o400),
      '/lsf-docker': dir(A),
      '/opt/tools': dir(0),
      '/home/alice/rand.env': file(A, 0o600),
      '/home/alice/rand.hosts': file(A, 0o600),
    },
    symlinks: WEIRD_LINKS,
    files,
    gpus: ['0', '1'],
  });
  return fakeHost(spec, ALICE);
}

// ---------------------------------------------------------------------------------------------
// Generators.

const segment = fc.constantFrom(
  'data',
  'alice',
  'in',
  '..',
  '.',
  '',
  ',',
  ':',
  ' ',
  '-x',
  'a b',
  'é',
  'x=y',
  '"',
  '\n',
);
const anyPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const interestingSource = fc.constantFrom(
  '/data/alice',
  '/data/alice/in',
  '/data/shared',
  '/data/locked',
  '/data/readme',
  '/data/nothing',
  '/data',
  '/scratch/alice',
  '/scratch/alice/etc',
  '/scratch/alice/proc',
  '/scratch/alice/root',
  '/scratch/alice/sock',
  '/scratch/alice/loop',
  '/home/alice',
  '/home/alice/work',
  '/home/alice/data',
  '/home/alice/bob',
  '/home/bob',
  '/etc',
  '/proc/1',
  '/dev/shm',
  '/var/run',
  '/',
  '/tmp',
  '/tmp/123.tmpdir',
  '/lsf-docker',
  ...WEIRD_DIRS,
  ...Object.keys(WEIRD_LINKS),
);
const interestingTarget = fc.constantFrom(
  '/',
  '/etc',
  '/etc/passwd',
  '/etc/group',
  '/etc/shadow',
  '/proc',
  '/proc/1',
  '/sys/fs/cgroup',
  '/dev',
  '/dev/shm',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/docker',
  '/lsf-docker',
  '/lsf-docker/job.sh',
  '/tmp',
  '/home/alice/work',
  '/tools',
  '/in',
  '/out',
  '/x/y',
);
const source = fc.oneof(
  { weight: 6, arbitrary: interestingSource },
  { weight: 2, arbitrary: anyPath },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const target = fc.oneof(
  { weight: 6, arbitrary: interestingTarget },
  { weight: 2, arbitrary: anyPath },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const volume = fc
  .tuple(source, target, fc.constantFrom(undefined, 'ro', 'rw', 'z', 'RO', '', 'ro,z'))
  .map(([s, t, m]) => (m === undefined ? `${s}:${t}` : `${s}:${t}:${m}`));
const list = <T>(item: fc.Arbitrary<T>, max = 4) =>
  fc
    .tuple(fc.array(item, { maxLength: max }), fc.constantFrom(' ', '  ', '\t', '\n', ',', ' , '))
    .map(([items, sep]) => items.join(sep));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const modeValue = (...names: string[]) =>
  fc.oneof(
    fc.constantFrom(
      ...names,
      'container:abc',
      'container:-x',
      'mynet',
      '-host',
      '--privileged',
      'host --privileged',
      'HOST',
      ' host ',
      '',
      'host\nnone',
    ),
    fc.string({ maxLength: 10 }),
  );
const portWord = fc.oneof(
  fc.constantFrom(
    '8080',
    '80',
    '8999',
    '9000',
    '8000-8010',
    '8990-9010',
    '8080:80',
    '8080/udp',
    '0',
    '65536',
    '1-65535',
    '127.0.0.1:8080:80',
    '-p',
  ),
  fc
    .tuple(fc.integer({ min: 0, max: 70000 }), fc.option(fc.integer({ min: 0, max: 70000 })))
    .map(([a, b]) => (b === null ? `${a}` : `${a}:${b}`)),
);
const sizeValue = fc.oneof(
  fc.constantFrom(
    '1g',
    '64m',
    '512M',
    '0',
    '-1',
    '1e3',
    '9999999p',
    '3000000P',
    '2g ',
    '16g',
    '8g',
    '1.5g',
    'big',
  ),
  fc.string({ maxLength: 8 }),
);
const absOrNot = (...extra: string[]) =>
  fc.oneof(
    fc.constantFrom(
      '/bin/bash',
      'bash',
      '-x',
      '/bin/sh -c',
      '/a,b',
      '/a:b',
      '/in',
      '/lsf/job',
      '/lsfx',
      '/',
      ...extra,
    ),
    anyPath,
    fc.string({ maxLength: 10 }),
  );
const envName = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/),
  fc.constantFrom(
    'HOSTNAME',
    'LSB_INTERACTIVE',
    'BASH_FUNC_f%%',
    'NVIDIA_VISIBLE_DEVICES',
    'AWS_SECRET',
    'SSH_AUTH_SOCK',
    'PATH',
    'HOME',
    'TMPDIR',
    '1BAD',
    'A-B',
    'A B',
    'A=B',
    '',
  ),
  fc.string({ maxLength: 8 }),
);
const envValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '() { :; }',
    '() {  echo pwned\n}',
    'a\nb',
    'a\rb',
    'x\0y',
    '',
    '--privileged',
    '-v /:/host',
    'all',
  ),
);
const fileText = fc
  .array(
    fc.oneof(
      fc.tuple(envName, envValue).map(([n, v]) => `${n}=${v}`),
      fc.constantFrom(
        '# comment',
        '',
        'export X=1',
        'JUSTNAME',
        'db:10.0.0.1',
        'bad host:1.2.3.4',
        'x:999.1.1.1',
      ),
    ),
    { maxLength: 6 },
  )
  .map((lines) => lines.join('\n'));

const jobEnvironment = fc.record(
  {
    LSB_CONTAINER_IMAGE: fc.oneof(
      fc.constantFrom(
        'lsf-docker-test/busybox:latest',
        'busybox',
        '127.0.0.1:5000/lsfd/busybox:latest',
        '-x',
        '--privileged',
        'Busy Box',
        'a:-b',
        '',
      ),
      fc.string({ maxLength: 12 }),
    ),
    LSB_JOBID: maybe(
      fc.oneof(
        fc.constantFrom('123', '124', '125', '-1', '12a', '99999999999999999999', ''),
        fc.nat().map(String),
      ),
    ),
    LSB_JOBINDEX: maybe(fc.constantFrom('0', '7', 'x', '', '-1')),
    LS_SUBCWD: maybe(fc.oneof(interestingSource, anyPath, fc.constantFrom('work', ''))),
    LSB_INTERACTIVE: maybe(fc.constantFrom('Y', 'N', 'y')),
    LSB_JOBFILENAME: maybe(
      fc.constantFrom(JOB_FILE, '/proc/self/environ', '/home/alice/x,source=/etc', '/etc/passwd'),
    ),
    LSB_MCPU_HOSTS: maybe(fc.constantFrom('node1 4', 'node0 2 node1 3', 'node1 x', 'node1 100000')),
    CUDA_VISIBLE_DEVICES: maybe(fc.constantFrom('0', '1,3', 'all', '0,--all', 'GPU-0123abcd-4567', ' ')),
    LSB_EFFECTIVE_RSRCREQ: maybe(fc.constantFrom('select[port8080=1]', 'rusage[mem=1]')),
    LSF_DOCKER_VOLUMES: maybe(list(volume)),
    LSF_DOCKER_NETWORK: maybe(modeValue('host', 'none', 'bridge', 'default')),
    LSF_DOCKER_IPC: maybe(modeValue('host', 'private', 'shareable', 'none')),
    LSF_DOCKER_CGROUP: maybe(absOrNot('/lsf', '/lsf/../etc', '/lsf/a b')),
    LSF_DOCKER_PORTS: maybe(list(portWord)),
    LSF_DOCKER_SHM_SIZE: maybe(sizeValue),
    LSF_DOCKER_ENTRYPOINT: maybe(absOrNot()),
    LSF_DOCKER_WORKDIR: maybe(absOrNot('/home/alice/work', '/tmp')),
    LSF_DOCKER_ADD_HOST: maybe(
      list(fc.constantFrom('db:10.0.0.5', 'gw:host-gateway', 'db', '-x:1.1.1.1', 'a:b', 'v6:::1')),
    ),
    LSF_DOCKER_ADD_HOST_FILE: maybe(
      fc.constantFrom('/home/alice/rand.hosts', '/home/alice/none', 'rand.hosts', '/home/bob/x'),
    ),
    LSF_DOCKER_ENV_FILE: maybe(
      fc.constantFrom('/home/alice/rand.env', '/home/alice/.env', '../x', '/home/bob/.env'),
    ),
    LSF_DOCKER_RUN_RAW_ARGS: maybe(fc.constantFrom('1', '0', 'yes', 'x', '')),
    LSF_DOCKER_PRESERVE_ENVIRONMENT: maybe(fc.constantFrom('true', 'false', '0', 'x', '')),
    LSF_DOCKER_RUN_LOGLEVEL: maybe(fc.constantFrom('DEBUG', 'info', 'LOUD', '')),
  },
  { requiredKeys: ['LSB_CONTAINER_IMAGE'] },
);
const extraEnv = fc.array(fc.tuple(envName, envValue), { maxLength: 8 });
const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(
    ['echo', 'hi'],
    [PLACE_HOLDER],
    [JOB_FILE],
    ['/home/alice/.lsbatch/a,b'],
    ['/home/alice/x,source=/etc'],
    ['/proc/self/environ'],
    ['--privileged'],
    ['-v', '/:/host', 'sh'],
    [],
    [''],
  ),
  fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 }),
);

// ---------------------------------------------------------------------------------------------
// What must hold.

const SUBJECT = /^(LSF_DOCKER_[A-Z_]+|LSB_[A-Z_]+|LS_SUBCWD|CUDA_VISIBLE_DEVICES|COMMAND|cwd): \S/;

/** A plain assertion: jest's expect is too slow for thousands of checks per property run. */
function check(ok: boolean, rule: string, detail?: unknown): asserts ok {
  if (!ok) throw new Error(`${rule}: ${JSON.stringify(detail)}`);
}
const cleanPath = (p: string) => {
  const parsed = parseAbsolutePath(p);
  return parsed.ok && parsed.path === p;
};

function checkRefusal(err: unknown): void {
  check(err instanceof WrapperError, 'only WrapperErrors are thrown', String(err));
  const wrapper = err as WrapperError;
  check(
    [ExitCode.BAD_REQUEST, ExitCode.POLICY].includes(wrapper.code as 212),
    'request or policy code',
    wrapper.code,
  );
  for (const line of linesOf(wrapper)) {
    check(SUBJECT.test(line), 'each line names the variable', line);
    check(!/[\x00-\x1f\x7f]/.test(line), 'each line is one printable line', line);
  }
}

const PROTECTED_TREES = [
  '/proc',
  '/sys',
  '/dev',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/docker',
  '/run/docker',
  '/lsf-docker',
];
const WRAPPER_MOUNTS: Record<string, string> = {
  [FILES.passwd]: '/etc/passwd',
  [FILES.group]: '/etc/group',
  [FILES.script]: CONTAINER_SCRIPT,
};

interface MountValue {
  source: string;
  target: string;
  readOnly: boolean;
}

/** Parses one --mount value strictly: exactly the fields the wrapper writes, each once. */
function parseMountValue(value: string): MountValue {
  const seen = new Map<string, string | undefined>();
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    check(
      ['type', 'source', 'target', 'readonly', 'bind-propagation'].includes(key),
      'known --mount field',
      value,
    );
    check(!seen.has(key), 'each --mount field once', value);
    seen.set(key, eq < 0 ? undefined : field.slice(eq + 1));
  }
  check(seen.get('type') === 'bind', 'bind mounts only', value);
  const source = seen.get('source') ?? '';
  const target = seen.get('target') ?? '';
  check(cleanPath(source) && cleanPath(target), 'clean absolute --mount paths', value);
  return { source, target, readOnly: seen.has('readonly') };
}

/** Options the wrapper writes with their value in the next element. */
const SEPARATE_VALUE = new Set([
  '--hostname',
  '--label',
  '--user',
  '--group-add',
  '--mount',
  '--workdir',
  '--security-opt',
  '--publish',
  '--ulimit',
  '--gpus',
]);
const FLAGS = new Set([
  '--pull=never',
  '--rm',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
  '--init',
  '--env=TINI_KILL_PROCESS_GROUP=1',
  '--sig-proxy=false',
  '--interactive',
  '--tty',
]);
const LABEL =
  /^lsf-docker\.(managed=true|job=\d*|index=\d+|uid=4201|host=node1|pid=4242|dir=\/tmp\/lsf-docker\.4201\.AbC123)$/;

/** Checks one separate option value; returns the mount it describes, if any. */
function checkSeparate(plan: ContainerSpec, option: string, value: string): MountValue | undefined {
  check(value !== undefined && !value.startsWith('-'), `${option} has a value that is not an option`, value);
  check(!/[\s\x00-\x1f\x7f]/.test(value), `${option} value without white space`, value);
  switch (option) {
    case '--user':
      check(value === '4201:4201', '--user is the job user, never 0', value);
      break;
    case '--group-add':
      check(['100', '4300'].includes(value), "--group-add only the user's groups", value);
      break;
    case '--hostname':
      check(value === 'node1', '--hostname is the host', value);
      break;
    case '--workdir':
      check(cleanPath(value), '--workdir clean', value);
      break;
    case '--mount':
      return parseMountValue(value);
    case '--publish': {
      const m = /^(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?\/(tcp|udp|sctp)$/.exec(value);
      check(m !== null, '--publish HOST:CONTAINER/PROTO', value);
      const first = Number(m[1]);
      const last = Number(m[2] ?? m[1]);
      check(first >= CONFIG.ports.first && last <= CONFIG.ports.last, 'host ports in range', value);
      check(
        plan.network.mode !== 'host' && plan.network.mode !== 'none',
        'no ports with host/none network',
        plan.network.mode,
      );
      break;
    }
    case '--security-opt':
      check(
        CONFIG.security.selinuxLabels.map((l) => `label=${l}`).includes(value),
        'admin labels only',
        value,
      );
      break;
    case '--label':
      check(LABEL.test(value), 'wrapper labels only', value);
      break;
    case '--ulimit':
      check(CONFIG.resources.ulimits.includes(value), 'admin ulimits only', value);
      break;
    case '--gpus':
      check(/^"device=[0-9]+(,[0-9]+)*"$/.test(value), '--gpus device list', value);
      break;
  }
  return undefined;
}

/** Checks one --name=value option; returns the capability it adds, if any. */
function checkJoined(word: string): string | undefined {
  const eq = word.indexOf('=');
  check(eq > 2, 'an option the wrapper writes', word);
  const name = word.slice(0, eq);
  const value = word.slice(eq + 1);
  check(!/[\s\x00-\x1f\x7f]/.test(value), `${name} value without white space`, value);
  switch (name) {
    case '--name':
      check(/^lsf_(\d+_\d+|local)_4242$/.test(value), 'container name', value);
      break;
    case '--cidfile':
      check(value === FILES.cidfile, 'cidfile in the private dir', value);
      break;
    case '--env-file':
      check(value === FILES.env, 'env-file in the private dir', value);
      break;
    case '--cap-add':
      check(CONFIG.security.capAdd.includes(value), 'admin capabilities only', value);
      return value;
    case '--pids-limit':
      check(value === String(CONFIG.security.pidsLimit), 'admin pids limit', value);
      break;
    case '--network':
      check(CONFIG.network.allow.includes(value), 'allowed networks only', value);
      break;
    case '--ipc':
      check(CONFIG.ipc.allow.includes(value), 'allowed ipc modes only', value);
      break;
    case '--shm-size':
      check(
        /^[1-9]\d*$/.test(value) && Number(value) <= CONFIG.resources.maxShmSize!,
        'shm size in bytes, at most the limit',
        value,
      );
      break;
    case '--add-host':
      check(parseHostEntry(value).ok, 'add-host NAME:IP', value);
      break;
    case '--cgroup-parent':
      check(
        cleanPath(value) && CONFIG.security.allowCgroupParent.some((r) => isWithin(value, r)),
        'allowed cgroup parent',
        value,
      );
      break;
    case '--cpu-shares':
      check(/^\d+$/.test(value) && Number(value) >= 2 && Number(value) <= 262144, 'cpu shares', value);
      break;
    case '--memory':
    case '--memory-swap':
      check(/^(\d+|-1)$/.test(value), `${name} in bytes`, value);
      break;
    case '--device':
      check(CONFIG.devices.infiniband.includes(value), 'admin devices only', value);
      break;
    case '--entrypoint':
      check(cleanPath(value), 'entrypoint clean', value);
      break;
    default:
      throw new Error(`unexpected docker option ${word}`);
  }
  return undefined;
}

function checkMounts(mounts: MountValue[]): void {
  const targets = mounts.map((m) => m.target);
  check(new Set(targets).size === targets.length, 'no target twice', targets);
  for (const m of mounts) {
    const wrapperTarget = WRAPPER_MOUNTS[m.source];
    if (wrapperTarget !== undefined) {
      check(m.target === wrapperTarget && m.readOnly, "the wrapper's files read-only at their place", m);
      continue;
    }
    const fromAllowed =
      ROOTS.some((root) => isWithin(m.source, root)) ||
      (m.source === ADMIN_MOUNT.source && m.target === ADMIN_MOUNT.target && m.readOnly) ||
      /^\/tmp\/\d+(_\d+)?\.tmpdir$/.test(m.source);
    check(fromAllowed, 'source under an allowed root, the home, an admin mount or the job tmpdir', m);
    check(m.source !== '/' && !isWithin(m.source, PRIVATE_DIR), 'not / nor the private dir', m);
    check(
      !['/proc', '/sys', '/dev', '/var/run/docker.sock', '/run/docker.sock'].some((t) =>
        isWithin(m.source, t),
      ),
      'no source in /proc, /sys, /dev or a docker socket',
      m,
    );
    check(!['/', '/etc/passwd', '/etc/group', '/etc/shadow'].includes(m.target), 'no protected target', m);
    check(!PROTECTED_TREES.some((t) => isWithin(m.target, t)), 'no target in a protected tree', m);
  }
}

function checkEnvFile(plan: ContainerSpec, env: Record<string, string | undefined>): void {
  const text = plan.process.envFile;
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  check(text === '' || text.endsWith('\n'), 'each line ended by a newline', text.slice(-20));
  check(lines.length === envFileEntries(text).length, 'one line per variable', lines);
  const names = new Set<string>();
  for (const line of lines) {
    check(/^[A-Za-z_][A-Za-z0-9_]*=[^\n\r\0]*$/.test(line), 'NAME=value', line);
    const name = line.slice(0, line.indexOf('='));
    check(!names.has(name), 'each name once', name);
    names.add(name);
    check(!ALWAYS_DROPPED.has(name), 'HOSTNAME and LSB_INTERACTIVE never passed', name);
    check(
      dropReason(name, line.slice(name.length + 1), DENY) === undefined,
      'nothing that must be dropped',
      line,
    );
  }
  const visible =
    envFileEntries(plan.process.envFile)
      .find((e) => e.startsWith('NVIDIA_VISIBLE_DEVICES='))
      ?.slice('NVIDIA_VISIBLE_DEVICES='.length) ?? '';
  check(visible === 'void' || /^\d+(,\d+)*$/.test(visible), "the wrapper's NVIDIA_VISIBLE_DEVICES", visible);
  // A variable of the job missing from a preserved environment was dropped for a reason.
  if (!plan.decisions.includes('environment preserved')) return;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || names.has(name)) continue;
    check(
      dropReason(name, value, DENY) !== undefined,
      'a preserved variable kept unless it must be dropped',
      name,
    );
  }
}

function checkArgv(plan: ContainerSpec, argv: string[], env: Record<string, string | undefined>): void {
  check(argv[0] === 'run', 'docker run', argv[0]);
  const end = argv.indexOf('--');
  check(end > 0, 'options end with --', argv);
  const options = argv.slice(1, end);
  const mounts: MountValue[] = [];
  for (let i = 0; i < options.length; i++) {
    const word = options[i]!;
    check(word.startsWith('--'), 'every option is one the wrapper writes', word);
    if (FLAGS.has(word)) continue;
    if (SEPARATE_VALUE.has(word)) {
      const mount = checkSeparate(plan, word, options[++i]!);
      if (mount) mounts.push(mount);
    } else checkJoined(word);
  }
  check(options.includes('--cap-drop=ALL'), '--cap-drop=ALL', options);
  check(options.includes('--security-opt=no-new-privileges'), 'no-new-privileges', options);
  check(!options.some((o) => /^--privileged/.test(o)), 'never --privileged', options);
  checkMounts(mounts);

  // What runs: the image, then only the wrapper's script or the job file; never the job's words.
  const image = argv[end + 1]!;
  check(parseImageRef(image).ok && !image.startsWith('-'), 'a valid image', image);
  const after = argv.slice(end + 2);
  if (plan.process.script !== undefined)
    check(after.length === 1 && after[0] === CONTAINER_SCRIPT, 'the script runs', after);
  else if (after.length > 0) {
    const jobFile = after[0]!;
    check(after.length === 1 && isWithin(jobFile, ALICE.home), 'only the job file runs', after);
    check(
      mounts.some((m) => m.source === jobFile && m.target === jobFile && m.readOnly),
      'the job file mounted read-only',
      after,
    );
  }
  checkEnvFile(plan, env);
}

function runCase(
  jobVars: Record<string, string | undefined>,
  extra: Array<[string, string]>,
  words: string[],
  envFile: string,
  hostsFile: string,
): boolean {
  const env: Record<string, string | undefined> = { PATH: '/usr/bin:/bin' };
  for (const [name, value] of extra) env[name] = value;
  Object.assign(env, jobVars);
  const host = hostFor({ '/home/alice/rand.env': envFile, '/home/alice/rand.hosts': hostsFile });
  let plan: ContainerSpec;
  try {
    plan = specFor({ env, command: words, config: policy(), host });
  } catch (err) {
    checkRefusal(err);
    return false;
  }
  checkArgv(plan, dockerRunArgv(plan, FILES), env);
  return true;
}

describe('the pipeline under arbitrary job environments', () => {
  test('refused with named variables, or an argv inside the policy', () => {
    fc.assert(
      fc.property(
        jobEnvironment,
        extraEnv,
        command,
        fileText,
        fileText,
        (jobVars, extra, words, envFile, hostsFile) => {
          runCase(jobVars, extra, words, envFile, hostsFile);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('mostly well-formed requests (so that many reach the argv) stay inside the policy', () => {
    const good = <T>(ok: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 9, arbitrary: ok }, { weight: 1, arbitrary: bad });
    const tameVolume = fc
      .tuple(
        good(
          fc.constantFrom(
            '/data/alice',
            '/data/alice/in',
            '/data/shared',
            '/scratch/alice',
            '/home/alice/data',
            '/data/alice/l-home',
            '/data/alice/shared',
          ),
          interestingSource,
        ),
        good(
          fc.constantFrom('/in', '/out', '/x/y', '/etc', '/opt/x', '/home/alice/work/sub'),
          interestingTarget,
        ),
        fc.constantFrom('', ':ro', ':rw'),
      )
      .map(([src, dst, m]) => `${src}:${dst}${m}`);
    const tame = fc.record(
      {
        LSB_CONTAINER_IMAGE: fc.constant('lsf-docker-test/busybox:latest'),
        LSB_JOBID: fc.constantFrom('123', '124', undefined),
        LS_SUBCWD: good(
          fc.constantFrom('/home/alice/work', '/data/alice', '/data/alice/l-home'),
          fc.constantFrom('/data/alice/l-comma', '/home/alice/x,source='),
        ),
        LSF_DOCKER_VOLUMES: fc.array(tameVolume, { maxLength: 3 }).map((v) => v.join(' ')),
        LSF_DOCKER_NETWORK: maybe(good(fc.constantFrom('host', 'bridge'), fc.constantFrom('none', 'mynet'))),
        LSF_DOCKER_IPC: maybe(good(fc.constantFrom('host', 'private'), fc.constant('none'))),
        LSF_DOCKER_PORTS: maybe(
          good(fc.constantFrom('8080', '8000-8001'), fc.constantFrom('80', '8999-9000')),
        ),
        LSF_DOCKER_SHM_SIZE: maybe(good(fc.constant('1g'), fc.constant('16g'))),
        LSF_DOCKER_CGROUP: maybe(good(fc.constant('/lsf/a'), fc.constant('/other'))),
        LSF_DOCKER_WORKDIR: maybe(fc.constantFrom('/in', '/tmp')),
        LSB_INTERACTIVE: maybe(fc.constant('Y')),
        CUDA_VISIBLE_DEVICES: maybe(fc.constantFrom('1', '0,1')),
        LSB_JOBFILENAME: maybe(fc.constantFrom(JOB_FILE, '/proc/self/environ', '/home/alice/x,source=/etc')),
      },
      { requiredKeys: ['LSB_CONTAINER_IMAGE', 'LS_SUBCWD', 'LSF_DOCKER_VOLUMES'] },
    );
    const tameCommand = good<string[]>(
      fc.constantFrom<string[]>(
        ['echo', 'hi'],
        [JOB_FILE],
        ['/home/alice/x,source=/etc'],
        ['/proc/self/environ'],
        ['/home/alice/.lsbatch/a,b'],
      ),
      command,
    );
    let planned = 0;
    fc.assert(
      fc.property(tame, extraEnv, tameCommand, (jobVars, extra, words) => {
        if (runCase(jobVars, extra, words, '', '')) planned++;
      }),
      { numRuns: RUNS },
    );
    // The property must exercise the argv checks, not only refusals.
    expect(planned).toBeGreaterThan(RUNS / 10);
  });
});
