/**
 * Scratch directories for integration tests, with the ownership real jobs would see.
 *
 *   const dir = await userDir(TEST_USER, 'volumes');        // /home/lsfd-test/volumes-XXXXXX, owned by lsfd-test, 0755
 *   const conf = await writeConfig('[volumes]\nallow[] = /home\n');  // root-owned 0644 in a root-owned 0755 dir
 *   afterAll(cleanupWorkspace);
 *
 * Everything created here is tracked per test file (jest gives each file its own module registry)
 * and removed by cleanupWorkspace().
 */
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { INSTALL_PREFIX, STATE_DIR } from './paths.js';
import { userInfo } from './users.js';

/**
 * Root-owned 0755 parent of the admin config dirs made by writeConfig: in /etc/lsf-docker/, the
 * only place the programs read a --config from when run through sudo (one dir per test prefix).
 */
export const CONFIG_ROOT = `/etc/lsf-docker/itg-${path.basename(INSTALL_PREFIX).replace(/[^A-Za-z0-9_-]/g, '-')}`;

const created: string[] = [];

/**
 * A fresh directory `<home>/<prefix>-XXXXXX` owned by `user` (uid and primary gid), mode 0755.
 * Returns its absolute path.
 */
export async function userDir(user: string, prefix = 'itg'): Promise<string> {
  const u = userInfo(user);
  const dir = await mkdtemp(path.join(u.home, `${prefix}-`));
  created.push(dir);
  await chown(dir, u.uid, u.gid);
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Write an admin config file, root-owned 0644, into a fresh root-owned 0755 directory under
 * CONFIG_ROOT (every path component root-owned and not writable by others, so the wrapper's
 * config checks pass; under sudo only /etc/lsf-docker/ is read). Returns the file's path.
 */
export async function writeConfig(text: string, name = 'lsf-docker.conf'): Promise<string> {
  await mkdir(CONFIG_ROOT, { recursive: true, mode: 0o755 });
  await mkdir(STATE_DIR, { recursive: true, mode: 0o755 });
  await chown(STATE_DIR, 0, 0);
  await chmod(STATE_DIR, 0o755);
  await chown('/etc/lsf-docker', 0, 0);
  await chmod('/etc/lsf-docker', 0o755);
  await chown(CONFIG_ROOT, 0, 0);
  await chmod(CONFIG_ROOT, 0o755);
  const dir = await mkdtemp(path.join(CONFIG_ROOT, 'conf-'));
  created.push(dir);
  await chmod(dir, 0o755);
  const file = path.join(dir, name);
  await writeFile(file, text, { mode: 0o644 });
  await chmod(file, 0o644);
  return file;
}

/**
 * Write a file as root with the given owner and mode (e.g. a user's env file inside a userDir).
 * owner defaults to root.
 */
export async function writeFileAs(
  file: string,
  text: string,
  opts: { user?: string; mode?: number } = {},
): Promise<string> {
  await writeFile(file, text, { mode: opts.mode ?? 0o644 });
  await chmod(file, opts.mode ?? 0o644);
  if (opts.user && opts.user !== 'root') {
    const u = userInfo(opts.user);
    await chown(file, u.uid, u.gid);
  } else {
    await chown(file, 0, 0);
  }
  return file;
}

/** Remove everything userDir and writeConfig created in this test file. Use afterAll(cleanupWorkspace). */
export async function cleanupWorkspace(): Promise<void> {
  const dirs = created.splice(0);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A fresh state dir for the local LSF under STATE_DIR (PREFIX-XXXXXX): host/, host/ids,
 * host/locks and jobtmp/, all 1777 as root provisions a shared one. The caller removes it.
 */
export async function localLsfStateDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(STATE_DIR, `${prefix}-`));
  await chmod(dir, 0o1777);
  for (const sub of ['host', 'host/ids', 'host/locks', 'jobtmp']) {
    await mkdir(path.join(dir, sub), { recursive: true });
    await chmod(path.join(dir, sub), 0o1777);
  }
  return dir;
}
