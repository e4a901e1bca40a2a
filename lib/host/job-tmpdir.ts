import { lchownSync, lstatSync, mkdirSync, rmSync } from 'node:fs';

/**
 * The job tmpdir a scheduler that makes none (Slurm) gets from docker_run itself: a 0700 dir of
 * the user's under the job tmp root (a sticky dir, like /tmp), made before the job and removed
 * after it, as LSF's sbatchd does for its jobs. Only a dir docker_run made is removed.
 */
export interface JobTmpdir {
  path: string;
  /** True when this docker_run made it (and removes it); false when it was the user's already. */
  made: boolean;
}

export interface TmpdirOwner {
  uid: number;
  gid: number;
}

/**
 * Makes PATH for OWNER (as root: made, then handed over with lchown; a user's own process makes
 * it its own). A plain 0700 dir of the owner's already there is used and left in place (another
 * docker_run of the same job step made it); anything else there is not used: the reason.
 */
export function ensureJobTmpdir(path: string, owner: TmpdirOwner): JobTmpdir | { problem: string } {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      return { problem: `cannot be made: ${(err as Error).message}` };
    const st = lstatSync(path);
    if (st.isSymbolicLink() || !st.isDirectory())
      return { problem: 'already exists and is not a plain directory' };
    if (st.uid !== owner.uid) return { problem: `already exists and belongs to uid ${st.uid}` };
    if ((st.mode & 0o077) !== 0)
      return { problem: `already exists with mode ${(st.mode & 0o777).toString(8)}, not 700` };
    return { path, made: false };
  }
  try {
    if (process.geteuid!() === 0) lchownSync(path, owner.uid, owner.gid);
  } catch (err) {
    rmSync(path, { recursive: true, force: true });
    return { problem: `cannot be given to uid ${owner.uid}: ${(err as Error).message}` };
  }
  return { path, made: true };
}

/**
 * Removes a tmpdir this docker_run made, with everything in it. As root it is removed with the
 * owner's credentials (seteuid), so that links the job planted inside lead nowhere root could
 * delete. Best effort: what cannot be removed stays.
 */
export function removeJobTmpdir(tmpdir: JobTmpdir | undefined, owner: TmpdirOwner): void {
  if (!tmpdir?.made) return;
  const asRoot = process.geteuid!() === 0;
  try {
    if (asRoot) {
      process.setegid!(owner.gid);
      process.seteuid!(owner.uid);
    }
    rmSync(tmpdir.path, { recursive: true, force: true });
  } catch {
    // left for the admin's tmp cleaner: nothing the job can use against anyone
  } finally {
    if (asRoot) {
      process.seteuid!(0);
      process.setegid!(0);
    }
  }
}
