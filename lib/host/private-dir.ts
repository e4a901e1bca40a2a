import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { configError } from '../kernel/errors.js';
import { OWNER_FILE, PRIVATE_DIR_NAME, privateDirTemplate } from '../kernel/names.js';
import { detachTree, mountPoints } from './held-mounts.js';

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
 * Checks that the tmp root cannot be used against us: a directory owned by root (or, for a
 * program running as the user, by the user), and sticky if others may write to it (so nobody
 * can swap our private dir for theirs). Root acting for a user (ASROOT) trusts only a root-owned
 * one: the owner of a directory may rename anything in it, sticky or not.
 */
export function checkTmpRoot(tmpRoot: string, uid: number, opts: { asRoot?: boolean } = {}): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(tmpRoot);
  } catch {
    throw configError('[paths] tmp_root', `${tmpRoot} does not exist`);
  }
  if (!stat.isDirectory()) throw configError('[paths] tmp_root', `${tmpRoot} is not a directory`);
  if (stat.uid !== 0 && (stat.uid !== uid || opts.asRoot))
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

/** Mount points at or below DIR in this process's mount namespace, from /proc/self/mountinfo. */
export function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  return mountPoints(text).filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/**
 * Removes a private dir. Staging mounts inside it (lib/host/held-mounts.ts: the job's own
 * directories, mounted by descriptor) are detached first, each with everything below it; the dir
 * is never removed while anything is still mounted inside it, for a recursive removal would go
 * on into the user's directories. Throws when a mount could not be detached.
 */
export function removePrivateDir(dir: string): void {
  const mounted = mountsUnder(dir);
  if (mounted.length > 0) {
    const shallowest = mounted.filter((p) => !mounted.some((q) => q !== p && p.startsWith(`${q}/`)));
    for (const p of shallowest) detachTree(p);
    const left = mountsUnder(dir);
    if (left.length > 0) throw new Error(`${dir}: ${left[0]} is still mounted: not removed`);
  }
  // Its files one by one, then the dir: a few syscalls (rmSync's recursive walk costs the job
  // about 10 ms to load); anything else in it (a directory, the staging points) goes by rmSync.
  try {
    for (const name of readdirSync(dir)) unlinkSync(`${dir}/${name}`);
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a private dir proves about a container: the owner record root (or the user) wrote, and the cidfile the runtime wrote. */
export type PrivateDirProof =
  | { ok: true; owner: OwnerRecord; cid: string | undefined }
  | { ok: false; reason: string };

function readSmall(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8').slice(0, 64 * 1024) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** An owner record as JSON, or undefined when it is not one. Pure. */
export function parseOwnerRecord(text: string | undefined): OwnerRecord | undefined {
  try {
    const r = JSON.parse(text ?? '') as Partial<OwnerRecord>;
    if (!Number.isInteger(r.pid) || !Number.isInteger(r.uid)) return undefined;
    if (typeof r.host !== 'string' || typeof r.container !== 'string') return undefined;
    return { job: '', started: '', ...r } as OwnerRecord;
  } catch {
    return undefined;
  }
}

/**
 * Reads what the private dir DIR (a container's lsf-docker.dir label: a hint anyone can write)
 * proves, trusting it only when nobody but TRUSTED (root, or the user running this) could have
 * written it: its name names UID, it is a real 0700 directory owned by a trusted uid, in a
 * directory that is a tmp root (a real directory of root's or a trusted uid, sticky if others may
 * write it). Labels are hints; this is the proof.
 */
export function readPrivateDirProof(dir: string, uid: number, trusted: readonly number[]): PrivateDirProof {
  const name = PRIVATE_DIR_NAME.exec(dir.slice(dir.lastIndexOf('/') + 1));
  if (!dir.startsWith('/') || dir.includes('/../') || !name || Number(name[1]) !== uid)
    return { ok: false, reason: 'its lsf-docker.dir label does not name a private dir of yours' };
  const owners = new Set([0, ...trusted]);
  let parent: ReturnType<typeof lstatSync>;
  let own: ReturnType<typeof lstatSync>;
  try {
    parent = lstatSync(dir.slice(0, dir.lastIndexOf('/')) || '/');
    own = lstatSync(dir);
  } catch {
    return { ok: false, reason: 'its private dir is gone' };
  }
  if (
    !parent.isDirectory() ||
    !owners.has(parent.uid) ||
    ((parent.mode & 0o022) !== 0 && (parent.mode & 0o1000) === 0)
  )
    return { ok: false, reason: 'its private dir is not in a safe tmp root' };
  if (!own.isDirectory() || !owners.has(own.uid) || (own.mode & 0o077) !== 0)
    return { ok: false, reason: 'its private dir is not one lsf-docker made' };
  const owner = parseOwnerRecord(readSmall(`${dir}/${OWNER_FILE}`));
  if (!owner) return { ok: false, reason: 'its private dir has no owner record' };
  return { ok: true, owner, cid: readSmall(`${dir}/cid`)?.trim() };
}
