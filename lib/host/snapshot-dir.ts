/**
 * The user-side step's environment snapshot (`lsf-docker sudo`, lib/run/via-sudo.ts) lives in a
 * 0700 dir of the user's in /tmp until that step removes it when its program ends. A step killed
 * with SIGKILL (bkill -s KILL, LSF's last signal to the job's process group) cannot, so the
 * program removes it itself once it has read it: as the user (setpriv, then rm; no shell, the
 * dir one argv word), only a dir named as the step names it, in the background (the job does not
 * wait for it). The step's own removal then finds nothing, which it ignores.
 */
import { childProcess } from '../kernel/builtin.js';

/** The snapshot file the step writes for UID: /tmp/lsf-docker-env.UID.XXXXXX/environ (mkdtemp). */
export const snapshotPattern = (uid: number) =>
  new RegExp(`^/tmp/lsf-docker-env\\.${uid}\\.[A-Za-z0-9]{6}/environ$`);

/** The dir to remove for FILE, or undefined when FILE is not a snapshot the step wrote for UID. Pure. */
export function snapshotDirOf(file: string, uid: number): string | undefined {
  return snapshotPattern(uid).test(file) ? file.slice(0, -'/environ'.length) : undefined;
}

/** The argv that removes DIR as UID:GID. Pure. */
export function removeAsUserArgv(dir: string, uid: number, gid: number): string[] {
  return [
    '/usr/bin/setpriv',
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    '--',
    '/bin/rm',
    '-rf',
    '--',
    dir,
  ];
}

/** Starts the removal of the snapshot FILE of UID:GID (running as root for them); does not wait. */
export function forgetSnapshot(file: string | undefined, uid: number, gid: number): void {
  const dir = file === undefined ? undefined : snapshotDirOf(file, uid);
  if (dir === undefined || process.geteuid?.() !== 0) return;
  const [bin, ...args] = removeAsUserArgv(dir, uid, gid) as [string, ...string[]];
  try {
    const child = childProcess().spawn(bin, args, {
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin' },
      cwd: '/',
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // the step removes it when its program ends
  }
}
