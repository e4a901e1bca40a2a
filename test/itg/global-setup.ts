/**
 * Integration-test global setup: check that the machine is provisioned and the project is built,
 * then install the build into the test prefix (readable by the unprivileged test users).
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
  users: ['lsfd-test', 'lsfd-test2'],
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
  for (const user of SETUP.users) {
    if (!run('id', [user]).ok) missing.push(`test user ${user}`);
  }
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
}
