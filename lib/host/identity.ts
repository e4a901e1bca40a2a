/** Who the job runs as. Always read from the OS (process credentials and the user/group databases). */
export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups, without the primary group, sorted, unique. */
  groups: number[];
  user: string;
  home: string;
  shell: string;
  /** Names of the primary and supplementary groups, by gid (only those the database knows). */
  groupNames: Map<number, string>;
}

/** Largest uid/gid docker and the kernel accept as a normal id (2^31 - 1); above it is refused. */
export const MAX_ID = 2 ** 31 - 1;

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Parses one passwd(5) line; undefined when malformed. */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[0] === '') return undefined;
  return { name: f[0]!, uid, gid, home: f[5]!, shell: f[6]! };
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Parses one group(5) line; undefined when malformed. */
export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4) return undefined;
  const gid = Number(f[2]);
  if (!Number.isInteger(gid) || f[0] === '') return undefined;
  return { name: f[0]!, gid, members: f[3]!.split(',').filter((m) => m !== '') };
}

/** A name safe to write into a passwd/group line (no ':' or newline); others become "user<uid>". */
export function safeDbField(text: string): boolean {
  return text !== '' && !/[:\n\r\x00]/.test(text);
}
