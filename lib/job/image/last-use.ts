import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  futimesSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { refHash } from './state-dir.js';

/**
 * Last-use records: `use.<hash of the reference>.<uid>` in the host state dir, one per image
 * reference and user, holding the canonical reference; its mtime is the last job start of that
 * user with that image on this host. Writing one is two system calls (open, futimes), never a
 * read-modify-write. A record counts only when its owner is the uid it names (or root, for
 * docker_run run through sudo) and its content hashes to its name: nobody can write a record in
 * another user's name, so another user's use of an image cannot be hidden from the GC.
 */
const RECORD = /^use\.([0-9a-f]{32})\.(\d+)$/;

export function recordName(canonical: string, uid: number): string {
  return `use.${refHash(canonical)}.${uid}`;
}

/** Records that UID started a job with CANONICAL now. Best effort: the reason when it could not. */
export function recordUse(
  dir: string,
  uid: number,
  canonical: string,
  nowMs = Date.now(),
): string | undefined {
  const path = `${dir}/${recordName(canonical, uid)}`;
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
  let fd: number | undefined;
  try {
    try {
      fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0o644);
      writeSync(fd, `${canonical}\n`);
      fchmodSync(fd, 0o644);
      futimesSync(fd, nowMs / 1000, nowMs / 1000);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    fd = openSync(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return `${path} is not a regular file`;
    const seconds = nowMs / 1000;
    futimesSync(fd, seconds, seconds);
    return undefined;
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One record file as the GC sees it. */
export interface RecordFacts {
  name: string;
  owner: number;
  isFile: boolean;
  mtimeMs: number;
  content: string;
}

/** The reference and time of one record, or undefined when it does not count. Pure. */
export function validRecord(f: RecordFacts): { canonical: string; uid: number; at: number } | undefined {
  const m = RECORD.exec(f.name);
  if (!m || !f.isFile) return undefined;
  const uid = Number(m[2]);
  if (f.owner !== uid && f.owner !== 0) return undefined;
  const canonical = f.content.trim();
  if (canonical === '' || refHash(canonical) !== m[1]) return undefined;
  return { canonical, uid, at: f.mtimeMs };
}

function factsOf(dir: string, name: string): RecordFacts | undefined {
  try {
    const s = lstatSync(`${dir}/${name}`);
    if (!s.isFile() || s.size > 1024) return undefined;
    return {
      name,
      owner: s.uid,
      isFile: true,
      mtimeMs: s.mtimeMs,
      content: readFileSync(`${dir}/${name}`, 'utf8'),
    };
  } catch {
    return undefined;
  }
}

/** The last use of every recorded reference in DIR (the latest over all users' records). */
export function readUses(dir: string | undefined): Map<string, number> {
  const uses = new Map<string, number>();
  if (!dir) return uses;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => RECORD.test(n));
  } catch {
    return uses;
  }
  for (const name of names) {
    const facts = factsOf(dir, name);
    const record = facts && validRecord(facts);
    if (record) uses.set(record.canonical, Math.max(uses.get(record.canonical) ?? 0, record.at));
  }
  return uses;
}

/** Removes the records of CANONICAL (every user's, as root; one's own otherwise). Best effort. */
export function forgetUses(dir: string | undefined, canonical: string): void {
  if (!dir) return;
  const prefix = `use.${refHash(canonical)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      unlinkSync(`${dir}/${name}`);
    } catch {
      // not ours to remove
    }
  }
}
