/**
 * Integration-test global setup: check that the machine is provisioned and the project is built,
 * then install the build into the test prefix (readable by the unprivileged test users) and write
 * the sudo rule of the secure deployment for that prefix (scripts/lib/sudo.sh, the function
 * install.sh --sudo-rule uses): the secure test users (outside the docker group) run the programs
 * through it; lsfd-dock (in the docker group) covers the docker-group mode.
 * Anything missing is a failure that says what is missing and how to fix it: integration tests
 * never skip silently.
 *
 * Jest loads this file through its CommonJS require hook, where moduleNameMapper does not apply:
 * it cannot import the helpers (their `.js` specifiers name `.ts` files). So it only uses Node
 * built-ins, and repeats a few constants; foundation.test.ts checks they match the helpers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Same values as helpers/docker.ts, helpers/paths.ts and helpers/users.ts. */
export const SETUP = {
  images: [
    'lsf-docker-test/busybox:latest',
    'lsf-docker-test/debian:bookworm',
    'lsf-docker-test/nosh:latest',
  ],
  registryUrl: 'http://127.0.0.1:5000',
  users: ['lsfd-test', 'lsfd-test2', 'lsfd-dock'],
  /** The secure mode's users: outside the docker group. */
  secureUsers: ['lsfd-test', 'lsfd-test2'],
  /** The docker-group mode's user. */
  dockerGroupUser: 'lsfd-dock',
  installPrefix: process.env['LSFD_ITG_PREFIX'] ?? '/opt/lsf-docker-itg',
  docker: process.env['LSFD_ITG_DOCKER'] ?? 'docker',
  path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};

function run(file: string, args: string[], timeout = 30_000): { ok: boolean; stderr: string } {
  const r = spawnSync(file, args, {
    env: { PATH: SETUP.path, HOME: '/root' },
    encoding: 'utf8',
    timeout,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { ok: r.status === 0, stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

async function registryStatus(): Promise<number> {
  try {
    const res = await fetch(`${SETUP.registryUrl}/v2/`, { signal: AbortSignal.timeout(5_000) });
    return res.status;
  } catch {
    return 0;
  }
}

export default async function globalSetup(_global: unknown, project: { rootDir: string }): Promise<void> {
  const repo = project.rootDir;
  const bundle = path.join(repo, 'dist', 'bundle');
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push('root: integration tests must run as root (they switch to the test users)');
  for (const tool of ['setpriv', 'script']) {
    if (!run('sh', ['-c', `command -v ${tool}`]).ok) missing.push(`${tool} (util-linux) not on PATH`);
  }
  if (!run(SETUP.docker, ['info', '--format', '{{.ServerVersion}}']).ok) {
    missing.push(`docker daemon: \`${SETUP.docker} info\` does not answer`);
  } else {
    for (const image of SETUP.images) {
      if (!run(SETUP.docker, ['image', 'inspect', image]).ok) missing.push(`test image ${image}`);
    }
  }
  const status = await registryStatus();
  if (status !== 401 && status !== 200) {
    missing.push(`registry: ${SETUP.registryUrl}/v2/ does not answer (${status || 'no connection'})`);
  }
  for (const tool of ['sudo', 'visudo']) {
    if (!run('sh', ['-c', `command -v ${tool}`]).ok) missing.push(`${tool} (package sudo) not on PATH`);
  }
  for (const user of SETUP.users) {
    if (!run('id', [user]).ok) missing.push(`test user ${user}`);
  }
  // LSFD_ITG_ALLOW_DOCKER_GROUP=1: a transitional run on a host not switched yet (the programs
  // still go through the rule; only the proof that the users could not go around it is missing).
  for (const user of process.env['LSFD_ITG_ALLOW_DOCKER_GROUP'] === '1' ? [] : SETUP.secureUsers) {
    if (groupsOf(user).includes('docker'))
      missing.push(
        `${user} must be outside the docker group (the secure mode): bash scripts/provision.sh users`,
      );
  }
  if (!groupsOf(SETUP.dockerGroupUser).includes('docker'))
    missing.push(`${SETUP.dockerGroupUser} must be in the docker group (the docker-group mode)`);
  const built = existsSync(bundle) && readdirSync(bundle).some((f) => f.endsWith('.cjs'));
  if (!built) missing.push(`build: ${bundle} (run \`npm run build\`)`);

  if (missing.length > 0) {
    throw new Error(
      `integration tests cannot run; missing:\n  - ${missing.join('\n  - ')}\n` +
        'Fix: as root, `npm run setup` (build + provision + install), or `bash scripts/provision.sh` ' +
        'for the engine, images, registry and users and `npm run build` for the bundle.',
    );
  }

  const install = run('bash', [path.join(repo, 'scripts', 'install.sh'), SETUP.installPrefix], 60_000);
  if (!install.ok) throw new Error(`scripts/install.sh ${SETUP.installPrefix} failed:\n${install.stderr}`);
  const rule = run(
    'bash',
    [
      '-c',
      'source "$1" && write_sudo_rule "$2" "$3"',
      'sudo-rule',
      path.join(repo, 'scripts', 'lib', 'sudo.sh'),
      SETUP.installPrefix,
      sudoRuleFile(SETUP.installPrefix),
    ],
    60_000,
  );
  if (!rule.ok) throw new Error(`the sudo rule for ${SETUP.installPrefix} was not written:\n${rule.stderr}`);
}

/** The test-only rule file for PREFIX (the same name as helpers/attack.ts sudoRuleFile). */
export function sudoRuleFile(prefix: string): string {
  return `/etc/sudoers.d/${path.basename(prefix).replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function groupsOf(user: string): string[] {
  const r = spawnSync('id', ['-nG', user], { env: { PATH: SETUP.path }, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(/\s+/) : [];
}
