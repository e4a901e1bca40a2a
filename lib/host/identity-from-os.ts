import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { childProcess } from '../kernel/builtin.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { type Identity, MAX_ID, parseGroupLine, parsePasswdLine } from './identity.js';

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
  return (r.stdout ?? '').split('\n').filter((l) => l !== '');
};

/** `getent DATABASE KEYS...` started now, without waiting: the lines it printed, once it ends (none when it cannot start). */
export type LookupSoon = (database: 'passwd' | 'group', keys: string[]) => Promise<string[]>;

export const getentSoon: LookupSoon = (database, keys) =>
  new Promise((resolve) => {
    if (keys.length === 0) return resolve([]);
    let out = '';
    const child = childProcess().spawn('/usr/bin/getent', [database, ...keys], {
      env: LOOKUP_ENV,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.on('error', () => resolve([]));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    child.on('close', () => resolve(out.split('\n').filter((l) => l !== '')));
  });

export interface GroupSources {
  /** The text of /etc/group (throws when there is none). */
  groupFile: () => string;
  lookup: Lookup;
  lookupSoon?: LookupSoon;
}

const OS_GROUPS: GroupSources = {
  groupFile: () => readFileSync('/etc/group', 'utf8'),
  lookup: getent,
  lookupSoon: getentSoon,
};

/** The names /etc/group gives the groups WANTED, and those it does not list (at most MAX_GROUP_LOOKUPS, in order). */
function namesFromGroupFile(wanted: Set<number>, sources: GroupSources) {
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
  return { names, missing };
}

/** NAMES and the group database's LINES for the groups WANTED (the first name of a gid wins). */
function withLookedUp(names: Map<number, string>, wanted: Set<number>, lines: string[]): Map<number, string> {
  for (const line of lines) {
    const entry = parseGroupLine(line);
    if (entry && wanted.has(entry.gid) && !names.has(entry.gid)) names.set(entry.gid, entry.name);
  }
  return names;
}

/**
 * Names of the groups GIDS, in one pass: /etc/group read once (no process), then one lookup
 * process for at most MAX_GROUP_LOOKUPS of those it does not list (GIDS' order: the primary
 * group first). Only names: membership comes from the kernel.
 */
export function groupNamesOf(gids: number[], sources: GroupSources = OS_GROUPS): Map<number, string> {
  const wanted = new Set(gids);
  const { names, missing } = namesFromGroupFile(wanted, sources);
  if (missing.length === 0) return names;
  return withLookedUp(names, wanted, sources.lookup('group', missing.map(String)));
}

/**
 * groupNamesOf without waiting for the lookup process: NOW, what /etc/group names (all of them
 * when it lists every group: no process), and ALL, every name once the process has answered.
 * The process runs while the caller decides the job (it costs 5-10 ms here, most of it waiting
 * for getent to ask each NSS module); NOW is a copy, never changed afterwards.
 */
export function groupNamesSoon(
  gids: number[],
  sources: GroupSources = OS_GROUPS,
): { now: Map<number, string>; all: Promise<Map<number, string>> } {
  const wanted = new Set(gids);
  const { names, missing } = namesFromGroupFile(wanted, sources);
  if (missing.length === 0) return { now: names, all: Promise.resolve(names) };
  const keys = missing.map(String);
  const lines = sources.lookupSoon
    ? sources.lookupSoon('group', keys)
    : Promise.resolve(sources.lookup('group', keys));
  return { now: new Map(names), all: lines.then((found) => withLookedUp(names, wanted, found)) };
}

function idGroups(user: string): number[] {
  const r = childProcess().spawnSync('/usr/bin/id', ['-G', '--', user], {
    encoding: 'utf8',
    env: LOOKUP_ENV,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
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
  const account = accountFromOs(env);
  return { ...account, groupNames: groupNamesOf([account.gid, ...account.groups]) };
}

/**
 * identityFromOs with the group names still coming (groupNamesSoon): IDENTITY's groupNames are
 * what /etc/group names, COMPLETE the identity with every name. Everything but the names is the
 * same in both.
 */
export function identityFromOsSoon(env: NodeJS.ProcessEnv = process.env): {
  identity: Identity;
  complete: Promise<Identity>;
} {
  const account = accountFromOs(env);
  const { now, all } = groupNamesSoon([account.gid, ...account.groups]);
  return {
    identity: { ...account, groupNames: now },
    complete: all.then((groupNames) => ({ ...account, groupNames })),
  };
}

function accountFromOs(env: NodeJS.ProcessEnv): Omit<Identity, 'groupNames'> {
  let uid = process.getuid!();
  let gid = process.getgid!();
  let supplementary: number[] = process.getgroups!();
  if (uid === 0 && env.SUDO_UID && /^\d+$/.test(env.SUDO_UID)) {
    uid = Number(env.SUDO_UID);
    const pw = getent('passwd', [String(uid)]).map(parsePasswdLine)[0];
    if (!pw) throw identityError(`SUDO_UID ${uid} is not in the user database`);
    gid = env.SUDO_GID && /^\d+$/.test(env.SUDO_GID) ? Number(env.SUDO_GID) : pw.gid;
    supplementary = idGroups(pw.name);
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
    const pw = getent('passwd', [String(uid)]).map(parsePasswdLine)[0];
    if (!pw) throw identityError(`uid ${uid} is not in the user database`);
    ({ name: user, home, shell } = pw);
  }
  const groups = [...new Set(supplementary.filter((g) => g !== gid && g !== 0 && g <= MAX_ID))].sort(
    (a, b) => a - b,
  );
  return { uid, gid, groups, user, home, shell };
}
