import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { type Identity, MAX_ID, parseGroupLine, parsePasswdLine } from './identity.js';

const identityError = (message: string) => new WrapperError(ExitCode.IDENTITY, message, 'identity');

function getent(database: 'passwd' | 'group', keys: string[]): string[] {
  if (keys.length === 0) return [];
  try {
    return execFileSync('/usr/bin/getent', [database, ...keys], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((l) => l !== '');
  } catch (err) {
    // getent exits 2 when some key is unknown but still prints the known ones.
    const out = (err as { stdout?: string }).stdout ?? '';
    return out.split('\n').filter((l) => l !== '');
  }
}

/**
 * The identity of the user who runs this process: real uid/gid and supplementary groups from the
 * kernel. When running as root under sudo, the invoking user (SUDO_UID, which only root could have
 * set) with their groups from the group database. USER, HOME, LOGNAME never decide anything.
 */
export function identityFromOs(env: NodeJS.ProcessEnv = process.env): Identity {
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
  return { uid, gid, groups, user, home, shell, groupNames: groupNamesOf([gid, ...groups]) };
}

function idGroups(user: string): number[] {
  try {
    return execFileSync('/usr/bin/id', ['-G', '--', user], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number)
      .filter((n) => Number.isInteger(n));
  } catch {
    return [];
  }
}

/**
 * Names of the groups GIDS: from /etc/group first (no process to start), then getent for any it
 * does not list (groups from LDAP/sssd). Only names: membership comes from the kernel.
 */
function groupNamesOf(gids: number[]): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const entry = parseGroupLine(line);
      if (entry && gids.includes(entry.gid) && !names.has(entry.gid)) names.set(entry.gid, entry.name);
    }
  } catch {
    // no /etc/group: getent answers for all
  }
  const missing = gids.filter((g) => !names.has(g));
  for (const line of getent('group', missing.map(String))) {
    const entry = parseGroupLine(line);
    if (entry) names.set(entry.gid, entry.name);
  }
  return names;
}
