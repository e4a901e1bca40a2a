import { type Builder, decideBuild } from '../../../lib/build/build-policy.js';
import { parseBuildArgs } from '../../../lib/build/options.js';
import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { errorOf, linesOf } from '../helpers/errors.js';

const alice = { user: 'alice', uid: 4201 };
const CWD = '/home/alice/proj';

function plan(words: string[], opts: { tag?: string; config?: (c: Config) => void; builder?: Builder } = {}) {
  const parsed = parseBuildArgs(words);
  if (!parsed.ok) throw new Error(`${parsed.subject}: ${parsed.reason}`);
  const config = defaultConfig();
  opts.config?.(config);
  return decideBuild({
    args: parsed.args,
    envTag: opts.tag,
    config,
    identity: alice,
    builder: opts.builder ?? 'classic',
    cwd: CWD,
  });
}
const refusal = (...args: Parameters<typeof plan>) => errorOf(() => plan(...args));

describe('decideBuild: the docker build argv', () => {
  test('the esub tag first, then each --tag, normalised and deduplicated; context last after --', () => {
    const p = plan(
      ['-t', 'reg.org/alice/n:1.1', '--tag', 'reg.org/alice/n:1.1.4', '-f', 'Dockerfile.x', '.'],
      {
        tag: 'reg.org/alice/n:1.1.4',
      },
    );
    expect(p.argv).toEqual([
      'build',
      `--file=${CWD}/Dockerfile.x`,
      '--force-rm',
      '--tag=reg.org/alice/n:1.1.4',
      '--tag=reg.org/alice/n:1.1',
      '--',
      CWD,
    ]);
    expect(p.tags.map((t) => t.canonical)).toEqual(['reg.org/alice/n:1.1.4', 'reg.org/alice/n:1.1']);
    expect(p.dockerfile).toBe(`${CWD}/Dockerfile.x`);
    expect(p.pathChecks).toEqual([
      { kind: 'context', path: CWD },
      { kind: 'read-file', path: `${CWD}/Dockerfile.x`, subject: '-f' },
    ]);
  });

  test.each<[string[], string[]]>([
    [['--build-arg', 'A=b c', '.'], ['--build-arg=A=b c']],
    [['--build-arg', 'HTTP_PROXY', '.'], ['--build-arg=HTTP_PROXY']],
    [
      ['--label', 'org.x=1', '--target', 'final', '.'],
      ['--label=org.x=1', '--target=final'],
    ],
    [
      ['--no-cache', '--pull', '-q', '--rm=false', '.'],
      ['--no-cache', '--pull', '--quiet', '--rm=false'],
    ],
    [['--platform', 'linux/amd64', '.'], ['--platform=linux/amd64']],
    [['--network', 'none', '.'], ['--network=none']],
    [['--add-host', 'db:10.0.0.5', '.'], ['--add-host=db:10.0.0.5']],
    [
      ['-m', '2g', '--memory-swap', '3g', '--shm-size', '64m', '.'],
      ['--memory=2g', '--memory-swap=3g', '--shm-size=64m'],
    ],
    [
      ['--cpu-shares', '512', '--cpuset-cpus', '0-1', '.'],
      ['--cpu-shares=512', '--cpuset-cpus=0-1'],
    ],
    [['--cache-from', 'reg.org/alice/n:1', '.'], ['--cache-from=reg.org/alice/n:1']],
    [['--iidfile', 'id.txt', '.'], [`--iidfile=${CWD}/id.txt`]],
    [['--progress', 'plain', '.'], []],
  ])('%j passes as %j', (words, options) => {
    const argv = plan(words).argv;
    const rm = options.includes('--rm=false') ? [] : ['--force-rm'];
    expect(argv).toEqual(['build', ...options, ...rm, '--', CWD]);
  });

  test('a URL context: no file checks, -f passed as written (a path inside the remote context)', () => {
    const p = plan(['-f', 'docker/Dockerfile', 'https://git.example.org/r.git#main']);
    expect(p.argv.slice(-3)).toEqual(['--force-rm', '--', 'https://git.example.org/r.git#main']);
    expect(p.argv).toContain('--file=docker/Dockerfile');
    expect(p.pathChecks).toEqual([]);
  });

  test('with BuildKit, secrets and ssh keys are checked files, --progress passes', () => {
    const p = plan(
      ['--secret', 'id=tok,src=tok.txt', '--ssh', 'git=keys/id_ed25519', '--progress=plain', '.'],
      {
        builder: 'buildkit',
      },
    );
    expect(p.argv).toEqual([
      'build',
      `--secret=id=tok,src=${CWD}/tok.txt`,
      `--ssh=git=${CWD}/keys/id_ed25519`,
      '--progress=plain',
      '--',
      CWD,
    ]);
    expect(p.pathChecks.map((c) => c.kind)).toEqual(['context', 'read-file', 'read-file']);
  });

  test('--network host when the admin allows it', () => {
    expect(
      plan(['--network=host', '.'], { config: (c) => (c.build.allowNetworkHost = true) }).argv,
    ).toContain('--network=host');
  });
});

describe('decideBuild: refusals, one line each, naming the option', () => {
  test.each<[string[], string, RegExp]>([
    [['--network', 'host', '.'], '--network', /host's network.*allow_network_host/],
    [['--network', 'container:abc', '.'], '--network', /another container's network/],
    [['--network', 'adminnet', '.'], '--network', /not a network the admin allows/],
    [['--security-opt', 'seccomp=unconfined', '.'], '--security-opt', /security profile/],
    [['--isolation', 'hyperv', '.'], '--isolation', /Windows-only/],
    [['--cgroup-parent', '/sys/fs/cgroup/x', '.'], '--cgroup-parent', /allow_cgroup_parent/],
    [['--ulimit', 'nofile=1048576', '.'], '--ulimit', /not one of the limits the admin allows/],
    [['--push', '.'], '--push', /pushes every tag itself/],
    [['--allow', 'security.insecure', '.'], '--allow', /extra privileges/],
    [['--secret', 'id=a,src=/etc/shadow', '.'], '--secret', /needs BuildKit/],
    [['--output', 'type=local,dest=/', '.'], '--output', /needs BuildKit/],
    [['-o', 'type=docker', '.'], '-o', /needs BuildKit/],
    [['--memory-swap', '-1', '.'], '--memory-swap', /unlimited swap/],
  ])('%j', (words, subject, reason) => {
    const err = refusal(words);
    expect(err.code).toBe(ExitCode.BUILD_REFUSED);
    expect(err.subject).toBe(subject);
    expect(err.message).toMatch(reason);
  });

  test.each<[string[], string, RegExp]>([
    [['--add-host', 'db:not-an-ip', '.'], '--add-host', /not an IP address/],
    [['--add-host', 'db', '.'], '--add-host', /not HOSTNAME:IP/],
    [['-m', 'lots', '.'], '-m', /not a size/],
    [['--build-arg', '1X=2', '.'], '--build-arg', /not NAME\[=VALUE\]/],
    [['--build-arg', 'A=1\nB=2', '.'], '--build-arg', /control characters/],
    [['--target', '-x', '.'], '--target', /not a build stage name/],
    [['--platform', 'linux amd64', '.'], '--platform', /not OS\/ARCH/],
    [['--cpuset-cpus', 'all', '.'], '--cpuset-cpus', /CPU\/memory-node list/],
    [['--progress', 'fancy', '.'], '--progress', /not one of auto/],
  ])('%j is malformed', (words, subject, reason) => {
    const err = refusal(words);
    expect(err.code).toBe(ExitCode.BAD_REQUEST);
    expect(err.subject).toBe(subject);
    expect(err.message).toMatch(reason);
  });

  test('memory above the admin limit', () => {
    const err = refusal(['-m', '8g', '.'], { config: (c) => (c.resources.maxMemory = 4 * 1024 ** 3) });
    expect(err.message).toMatch(/-m: 8g is above the admin's limit of 4g/);
  });

  test('BuildKit: --output only into the local image store, secrets only from files', () => {
    const b = { builder: 'buildkit' as const };
    expect(refusal(['--output', 'type=local,dest=/tmp/x', '.'], b).message).toMatch(/only type=docker/);
    expect(plan(['--output', 'type=docker', '.'], b).argv).toContain('--output=type=docker');
    expect(refusal(['--secret', 'id=a,env=TOKEN', '.'], b).message).toMatch(/id=ID,src=FILE/);
    expect(refusal(['--ssh', 'default', '.'], b).message).toMatch(/ssh agent is not available/);
    expect(refusal(['--cache-from', 'type=local,src=/var/lib', '.'], b).message).toMatch(
      /type=registry,ref=IMAGE/,
    );
  });

  test('tags: from the esub and --tag, outside the namespace or registry, all listed at once', () => {
    const config = (c: Config) => {
      c.build.requireUserNamespace = true;
      c.build.allowRegistries = ['reg.org'];
    };
    const err = refusal(['-t', 'reg.org/bob/x:1', '-t', 'other.org/alice/x', '--security-opt', 'a', '.'], {
      tag: 'reg.org/alice/ok:1',
      config,
    });
    expect(linesOf(err)).toEqual([
      '--security-opt: would change the security profile of the build containers',
      '-t: tag "reg.org/bob/x:1" is outside your namespace: the admin requires REGISTRY/alice/NAME[:TAG]',
      '-t: tag "other.org/alice/x" is in registry other.org, which the admin does not allow for builds (allowed: reg.org)',
    ]);
    expect(plan(['.'], { tag: 'reg.org/alice/ok:1', config }).tags).toHaveLength(1);
  });

  test('a malformed esub tag names LSB_DOCKER_BUILD_TAG', () => {
    const err = refusal(['.'], { tag: 'reg.org/alice/x@sha256:abc' });
    expect(err.subject).toBe('LSB_DOCKER_BUILD_TAG');
    expect(err.code).toBe(ExitCode.BAD_REQUEST);
  });

  test('a context from stdin is refused', () => {
    expect(refusal(['-']).message).toMatch(/^CONTEXT: "-" .*not supported/);
  });
});
