import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { childProcess } from '../kernel/builtin.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { noteHelperSignal } from '../kernel/signals.js';
import { type Identity, MAX_ID, type PasswdEntry, parseGroupLine, parsePasswdLine } from './identity.js';
import { native } from './native.js';

const identityError = (message: string) => new WrapperError(ExitCode.IDENTITY, message, 'identity');

/**
 * The environment of the lookup processes (getent, id): a fixed PATH and locale, never a copy
 * of the job's (copying 10,000 variables into a child costs more than the lookup).
 */
export const LOOKUP_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
};

/**
 * At most this many groups that /etc/group does not name are looked up by number in the group
 * database (LDAP, sssd...). Every lookup asks each NSS module in turn (0.2-0.4 ms per gid here);
 * the names are only the container's /etc/group lines: a group beyond the limit keeps its
 * membership and is named g<GID> there.
 */
export const MAX_GROUP_LOOKUPS = 32;

/** Runs `getent DATABASE KEYS...` once; the lines it printed (it exits 2 when some key is unknown). */
export type Lookup = (database: 'passwd' | 'group', keys: string[]) => string[];

export const getent: Lookup = (database, keys) => {
  if (keys.length === 0) return [];
  const r = childProcess().spawnSync('/usr/bin/getent', [database, ...keys], {
    encoding: 'utf8',
    env: LOOKUP_ENV,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  noteHelperSignal(r.signal);
  return (r.stdout ?? '').split('\n').filter((l) => l !== '');
};

export interface GroupSources {
  /** The text of /etc/group (throws when there is none). */
  groupFile: () => string;
  lookup: Lookup;
  /** The lookup of GIDS begun now, its group lines when joined; undefined: lookup serves, at the join. */
  start?: (gids: number[]) => (() => string[]) | undefined;
}

/** Group lines for GIDS through the addon (getgrgid_r in this process) when installed, else getent. */
const lookupGroups: Lookup = (database, keys) => {
  const addon = native();
  if (!addon || database !== 'group') return getent(database, keys);
  return keys.flatMap((key) => {
    const name = addon.groupName(Number(key));
    return name === null ? [] : [`${name}:x:${key}:`];
  });
};

/**
 * The addon's lookups of GIDS begun on its threads, when installed: joining gives their group
 * lines (undefined without the addon: the caller looks up when it needs the names).
 */
const startGroupLookups = (gids: number[]): (() => string[]) | undefined => {
  const addon = native();
  const { groupNamesStart: begin, groupNamesJoin: join } = addon ?? {};
  if (!begin || !join) return undefined;
  const lookups = begin(gids);
  return () => join(lookups).flatMap((name, i) => (name === null ? [] : [`${name}:x:${gids[i]}:`]));
};

const OS_GROUPS: GroupSources = {
  groupFile: () => readFileSync('/etc/group', 'utf8'),
  lookup: lookupGroups,
  start: startGroupLookups,
};

/** UID's user database entry: the addon's getpwuid_r when installed, else `getent passwd`. */
function passwdOf(uid: number): PasswdEntry | undefined {
  const addon = native();
  if (!addon) return getent('passwd', [String(uid)]).map(parsePasswdLine)[0];
  const pw = addon.passwd(uid);
  return pw ? { name: pw[0], uid: pw[1], gid: pw[2], home: pw[3], shell: pw[4] } : undefined;
}

/**
 * Names of the groups GIDS, in one pass: /etc/group read once (no process), then one lookup
 * for at most MAX_GROUP_LOOKUPS of those it does not list (GIDS' order: the primary group
 * first), begun now (the addon's threads) and joined when the names are asked for. Only names:
 * membership comes from the kernel.
 */
export function groupNamesLater(
  gids: number[],
  sources: GroupSources = OS_GROUPS,
): () => Map<number, string> {
  const wanted = new Set(gids);
  const names = new Map<number, string>();
  try {
    for (const line of sources.groupFile().split('\n')) {
      const entry = parseGroupLine(line);
      if (entry && wanted.has(entry.gid) && !names.has(entry.gid)) names.set(entry.gid, entry.name);
    }
  } catch {
    // no /etc/group: the lookup answers for all
  }
  const missing = [...wanted].filter((g) => !names.has(g)).slice(0, MAX_GROUP_LOOKUPS);
  if (missing.length === 0) return () => names;
  const started = sources.start?.(missing);
  let joined = false;
  return () => {
    if (joined) return names;
    joined = true;
    for (const line of started ? started() : sources.lookup('group', missing.map(String))) {
      const entry = parseGroupLine(line);
      if (entry && wanted.has(entry.gid) && !names.has(entry.gid)) names.set(entry.gid, entry.name);
    }
    return names;
  };
}

/** Names of the groups GIDS (groupNamesLater, joined at once). */
export function groupNamesOf(gids: number[], sources: GroupSources = OS_GROUPS): Map<number, string> {
  return groupNamesLater(gids, sources)();
}

/** The gids USER is in by the group database (as `id -G USER`): the addon's getgrouplist, else id. */
function idGroups(user: string, gid: number): number[] {
  const listed = native()?.groupList(user, gid);
  if (listed) return listed;
  const r = childProcess().spawnSync('/usr/bin/id', ['-G', '--', user], {
    encoding: 'utf8',
    env: LOOKUP_ENV,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  noteHelperSignal(r.signal);
  if (r.status !== 0) return [];
  return (r.stdout ?? '')
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

/**
 * The identity of the user who runs this process: real uid/gid and supplementary groups from the
 * kernel. When running as root under sudo, the invoking user (SUDO_UID, which only root could have
 * set) with their groups from the group database. USER, HOME, LOGNAME never decide anything.
 */
export function identityFromOs(env: NodeJS.ProcessEnv = process.env): Identity {
  return identityFromOsLater(env)();
}

/**
 * identityFromOs begun now and finished when called: the lookups of the groups' names (NSS,
 * 0.15-0.3 ms a gid) run on the addon's threads meanwhile. A failure is thrown by the call, as
 * identityFromOs would have thrown it.
 */
export function identityFromOsLater(env: NodeJS.ProcessEnv = process.env): () => Identity {
  try {
    const { groupNames, ...identity } = identityParts(env);
    // The names joined at their first read (the group file, a profile's groups): by then the
    // lookups have finished beside the rest of the job's preparation.
    return () => {
      let names: Map<number, string> | undefined;
      return Object.defineProperty({ ...identity }, 'groupNames', {
        get: () => {
          names ??= groupNames();
          return names;
        },
        enumerable: true,
      }) as Identity;
    };
  } catch (err) {
    return () => {
      throw err;
    };
  }
}

function identityParts(
  env: NodeJS.ProcessEnv,
): Omit<Identity, 'groupNames'> & { groupNames: () => Map<number, string> } {
  let uid = process.getuid!();
  let gid = process.getgid!();
  let supplementary: number[] = process.getgroups!();
  // Under sudo: the invoking user's entry, looked up once (it also names them below).
  let sudoEntry: PasswdEntry | undefined;
  if (uid === 0 && env.SUDO_UID && /^\d+$/.test(env.SUDO_UID)) {
    uid = Number(env.SUDO_UID);
    const pw = passwdOf(uid);
    if (!pw) throw identityError(`SUDO_UID ${uid} is not in the user database`);
    sudoEntry = pw;
    gid = env.SUDO_GID && /^\d+$/.test(env.SUDO_GID) ? Number(env.SUDO_GID) : pw.gid;
    supplementary = idGroups(pw.name, pw.gid);
  }
  if (uid === 0) throw identityError('jobs never run as root (uid 0): submit the job as an ordinary user');
  if (uid > MAX_ID || gid > MAX_ID) throw identityError(`uid ${uid} or gid ${gid} is out of range`);
  if (gid === 0) throw identityError('jobs never run with primary group root (gid 0)');

  let user: string;
  let home: string;
  let shell: string;
  if (uid === process.getuid!()) {
    const info = userInfo();
    user = info.username;
    home = info.homedir;
    shell = info.shell ?? '/bin/sh';
  } else {
    const pw = sudoEntry ?? passwdOf(uid);
    if (!pw) throw identityError(`uid ${uid} is not in the user database`);
    ({ name: user, home, shell } = pw);
  }
  const groups = [...new Set(supplementary.filter((g) => g !== gid && g !== 0 && g <= MAX_ID))].sort(
    (a, b) => a - b,
  );
  return { uid, gid, groups, user, home, shell, groupNames: groupNamesLater([gid, ...groups]) };
}
