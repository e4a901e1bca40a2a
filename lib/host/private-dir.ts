import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { configError } from '../kernel/errors.js';
import { OWNER_FILE, privateDirTemplate } from '../kernel/names.js';

/** What `lsf-docker sweep` needs to know about a job's leftovers: written as owner.json in the private dir. */
/** Where the wrapper's private files for one job are (all in one 0700 dir). */
export interface JobFiles {
  dir: string;
  passwd: string;
  group: string;
  script: string;
  env: string;
  cidfile: string;
}

export interface OwnerRecord {
  pid: number;
  host: string;
  uid: number;
  container: string;
  job: string;
  started: string;
}

export { OWNER_FILE, PRIVATE_PREFIX } from '../kernel/names.js';

/**
 * Checks that the tmp root cannot be used against us: a directory owned by root or the user,
 * and sticky if others may write to it (so nobody can swap our private dir for theirs).
 */
export function checkTmpRoot(tmpRoot: string, uid: number): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(tmpRoot);
  } catch {
    throw configError('[paths] tmp_root', `${tmpRoot} does not exist`);
  }
  if (!stat.isDirectory()) throw configError('[paths] tmp_root', `${tmpRoot} is not a directory`);
  if (stat.uid !== 0 && stat.uid !== uid)
    throw configError('[paths] tmp_root', `${tmpRoot} is owned by uid ${stat.uid}, not root`);
  if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) {
    throw configError('[paths] tmp_root', `${tmpRoot} is writable by others but not sticky (chmod +t)`);
  }
}

/** The file names inside a private dir. */
export function jobFilesIn(dir: string): JobFiles {
  return {
    dir,
    passwd: `${dir}/passwd`,
    group: `${dir}/group`,
    script: `${dir}/job.sh`,
    env: `${dir}/env`,
    cidfile: `${dir}/cid`,
  };
}

export interface FileContents {
  passwd: string;
  group: string;
  script?: string;
  env: string;
  owner: Omit<OwnerRecord, 'container'> & { container: string };
}

/**
 * Creates the job's private 0700 dir under TMP_ROOT and writes its files with O_EXCL: passwd and
 * group 0644 (they are public facts, read inside the container), the script 0555, the env-file
 * 0600 (only the docker CLI reads it). The cidfile is left for docker to create.
 */
export function createPrivateDir(tmpRoot: string, uid: number, contents: FileContents): JobFiles {
  const dir = mkdtempSync(privateDirTemplate(tmpRoot, uid));
  const files = jobFilesIn(dir);
  // Modes are set explicitly after each write: the umask must not decide who can read them.
  const write = (path: string, text: string, mode: number) => {
    writeFileSync(path, text, { flag: 'wx', mode });
    chmodSync(path, mode);
  };
  try {
    write(`${dir}/${OWNER_FILE}`, `${JSON.stringify(contents.owner)}\n`, 0o600);
    write(files.passwd, contents.passwd, 0o644);
    write(files.group, contents.group, 0o644);
    if (contents.script !== undefined) write(files.script, contents.script, 0o555);
    write(files.env, contents.env, 0o600);
  } catch (err) {
    removePrivateDir(dir);
    throw err;
  }
  return files;
}

/**
 * Removes the private dir: its files one by one, then the dir (a few syscalls: rmSync's
 * recursive walk costs the job about 10 ms to load); anything else there (a subdirectory, a
 * file that would not go) falls back to rmSync.
 */
export function removePrivateDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) unlinkSync(`${dir}/${name}`);
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(dir)) return;
    rmSync(dir, { recursive: true, force: true });
  }
}
