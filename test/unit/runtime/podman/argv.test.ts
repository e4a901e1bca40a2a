/**
 * The podman run argv: docker's (DOCKER_RUN_SECTIONS) with podman's sections where they differ,
 * each difference one measured fact (docs/admin-guide-podman.md): keep-id rootless only, no
 * --cap-add, --sig-proxy=true, no limits where podman ignores them, CDI GPUs.
 */
import { describe, expect, test } from '@jest/globals';
import { dockerRunArgv } from '../../../../lib/runtime/docker/argv/run.js';
import { FILES } from '../../helpers/fixtures.js';
import { podman, podmanSpec, ROOTFUL_V1, ROOTLESS_V1, ROOTLESS_V2 } from './helpers.js';

const LIMITS = /^--(memory|memory-swap|cpu-shares|pids-limit|cgroup-parent)=/;

/** docker's argv for SPEC turned into what podman must get, by the differences listed. */
function expected(docker: string[], opts: { rootless: boolean; limits: boolean }): string[] {
  const out: string[] = [];
  for (const arg of docker) {
    if (arg.startsWith('--cap-add=')) continue;
    // tini's process-group mode: podman's init is catatonit, which does not read it.
    if (arg === '--env=TINI_KILL_PROCESS_GROUP=1') continue;
    if (!opts.limits && LIMITS.test(arg)) continue;
    if (arg === '--user' && opts.rootless) out.push('--userns=keep-id');
    out.push(arg === '--sig-proxy=false' ? '--sig-proxy=true' : arg);
  }
  return out;
}

describe('run argv', () => {
  test.each([
    ['rootless, cgroup v1', ROOTLESS_V1, { rootless: true, limits: false }],
    ['rootless, cgroup v2 with the controllers delegated', ROOTLESS_V2, { rootless: true, limits: true }],
    ['rootful', ROOTFUL_V1, { rootless: false, limits: true }],
  ] as const)('%s: docker argv with podman differences only', (_name, caps, opts) => {
    const spec = podmanSpec(caps);
    const argv = podman(caps).runtime.runArgv(spec, FILES);
    expect(argv).toEqual(expected(dockerRunArgv(spec, FILES), opts));
  });

  test('rootless: --userns=keep-id with the user, no --group-add (the groups were dropped), no --cap-add', () => {
    const argv = podman(ROOTLESS_V1).runtime.runArgv(podmanSpec(ROOTLESS_V1), FILES);
    const user = argv.indexOf('--user');
    expect(argv.slice(user - 1, user + 2)).toEqual(['--userns=keep-id', '--user', '4201:4201']);
    expect(argv).not.toContain('--group-add');
    expect(argv.filter((a) => a.startsWith('--cap-'))).toEqual(['--cap-drop=ALL']);
    expect(argv).toContain('--security-opt=no-new-privileges');
    expect(argv.filter((a) => LIMITS.test(a))).toEqual([]);
  });

  test('rootful: no keep-id (podman refuses it rootful), the host groups kept, limits passed, still no --cap-add', () => {
    const argv = podman(ROOTFUL_V1).runtime.runArgv(podmanSpec(ROOTFUL_V1), FILES);
    expect(argv).not.toContain('--userns=keep-id');
    expect(argv.join(' ')).toContain('--user 4201:4201 --group-add 100 --group-add 4300');
    expect(argv.filter((a) => a.startsWith('--cap-'))).toEqual(['--cap-drop=ALL']);
    expect(argv).toEqual(
      expect.arrayContaining(['--pids-limit=4096', '--cpu-shares=1024', '--sig-proxy=true']),
    );
    expect(argv).toContain(`--memory=${4096 * 1024 * 1024}`);
  });

  test('--privileged only when policy decided it (a trusted profile), still without --cap-add', () => {
    const spec = podmanSpec(ROOTFUL_V1, {}, (c) => {
      c.security.privileged = true;
    });
    const argv = podman(ROOTFUL_V1).runtime.runArgv(spec, FILES);
    expect(argv.filter((a) => /^--(privileged|cap-)/.test(a))).toEqual(['--privileged', '--cap-drop=ALL']);
    expect(podman(ROOTFUL_V1).runtime.runArgv(podmanSpec(ROOTFUL_V1), FILES)).not.toContain('--privileged');
  });

  test('ulimits are process limits: passed even where podman ignores cgroup limits', () => {
    const spec = podmanSpec(ROOTLESS_V1, {}, (c) => {
      c.resources.unenforceable = 'warn';
      c.resources.ulimits = ['nofile=1024:2048'];
    });
    const argv = podman(ROOTLESS_V1).runtime.runArgv(spec, FILES);
    expect(argv.join(' ')).toContain('--ulimit nofile=1024:2048');
  });

  test('GPUs are CDI devices (--gpus is a silent no-op in podman 4.3); device nodes as docker', () => {
    const base = podmanSpec(ROOTFUL_V1);
    const { runtime } = podman(ROOTFUL_V1);
    const some = {
      ...base,
      devices: { paths: ['/dev/infiniband/uverbs0'], gpus: { kind: 'devices' as const, ids: ['0', '2'] } },
    };
    const argv = runtime.runArgv(some, FILES);
    expect(argv).not.toContain('--gpus');
    expect(argv.filter((a) => a.startsWith('--device='))).toEqual([
      '--device=/dev/infiniband/uverbs0',
      '--device=nvidia.com/gpu=0',
      '--device=nvidia.com/gpu=2',
    ]);
    const all = runtime.runArgv({ ...base, devices: { paths: [], gpus: { kind: 'all' as const } } }, FILES);
    expect(all.filter((a) => a.startsWith('--device='))).toEqual(['--device=nvidia.com/gpu=all']);
  });
});

describe('pull, login, push: --tls-verify=false only for the registries the admin listed', () => {
  const { runtime } = podman(ROOTLESS_V1, {}, { insecureRegistries: ['127.0.0.1:5000'] });

  test.each([
    [
      '127.0.0.1:5000/lsfd/busybox:latest',
      ['pull', '--tls-verify=false', '--', '127.0.0.1:5000/lsfd/busybox:latest'],
    ],
    ['127.0.0.1:5001/x', ['pull', '--', '127.0.0.1:5001/x']],
    ['busybox', ['pull', '--', 'busybox']],
    ['registry.example.org/a/b:1', ['pull', '--', 'registry.example.org/a/b:1']],
  ])('pull %s', (image, argv) => {
    expect(runtime.pullArgv(image)).toEqual(argv);
  });

  test('login: the password on stdin, the flag for a listed server (also written as a URL)', () => {
    expect(runtime.loginArgv('127.0.0.1:5000', 'lsfd')).toEqual([
      'login',
      '--username',
      'lsfd',
      '--password-stdin',
      '--tls-verify=false',
      '127.0.0.1:5000',
    ]);
    expect(runtime.loginArgv('http://127.0.0.1:5000/v2/', 'lsfd')).toContain('--tls-verify=false');
    expect(runtime.loginArgv('docker.io', 'alice')).toEqual([
      'login',
      '--username',
      'alice',
      '--password-stdin',
      'docker.io',
    ]);
  });

  test('push', () => {
    expect(runtime.pushArgv('127.0.0.1:5000/lsfd/x:1')).toEqual([
      'push',
      '--tls-verify=false',
      '--',
      '127.0.0.1:5000/lsfd/x:1',
    ]);
    expect(runtime.pushArgv('registry.example.org/x:1')).toEqual(['push', '--', 'registry.example.org/x:1']);
  });
});

describe('exec', () => {
  test('no --user: podman exec --user keeps only the primary group; without it the container user and its groups', () => {
    const argv = podman(ROOTFUL_V1).runtime.execArgv('abc', {
      user: '4201:4201',
      envFile: '/p/env',
      interactive: true,
      tty: false,
      command: ['sh', '-c', 'id'],
    });
    expect(argv).toEqual(['exec', '--env-file=/p/env', '--interactive', '--', 'abc', 'sh', '-c', 'id']);
  });
});
