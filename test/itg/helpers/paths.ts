/**
 * Where things are, for integration tests.
 *
 * The repository may live where the unprivileged test users cannot go (e.g. under /root), so the
 * global setup installs the built project with scripts/install.sh into INSTALL_PREFIX, which is
 * root-owned and world-readable. Tests run the installed programs through program(name).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const REPO: string = findRepo(path.dirname(fileURLToPath(import.meta.url)));

/** Where global-setup installs the built project (override with LSFD_ITG_PREFIX). */
export const INSTALL_PREFIX: string = process.env['LSFD_ITG_PREFIX'] ?? '/opt/lsf-docker-itg';

/** The programs bin/ ships (a launcher each, running dist/bundle/NAME.cjs). */
export const PROGRAMS = [
  'docker_run',
  'docker_build',
  'esub.docker',
  'esub.docker_build',
  'esub.docker_exec',
  'lsf-docker',
  'docker_exec',
] as const;
export type ProgramName = (typeof PROGRAMS)[number];

/** Absolute path of an installed program, e.g. program('docker_run') = /opt/lsf-docker-itg/bin/docker_run. */
export function program(name: ProgramName): string {
  return path.join(INSTALL_PREFIX, 'bin', name);
}

/** The built bundle in the repository (what install.sh copies). */
export const BUNDLE_DIR: string = path.join(REPO, 'dist', 'bundle');

/** Test fixtures directory (test/fixtures). */
export const FIXTURES: string = path.join(REPO, 'test', 'fixtures');

/** Root-owned, world-traversable state directory of provisioning and of the test workspaces. */
export const STATE_DIR = '/var/lib/lsf-docker-test';

function findRepo(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'provision.sh'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the lsf-docker repository above ${start}`);
    dir = parent;
  }
}
