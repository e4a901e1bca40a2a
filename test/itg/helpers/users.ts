/**
 * The unprivileged test users created by scripts/provision.sh (step "users"):
 *   lsfd-test   uid 4201, primary group lsfd-test (4201), supplementary lsfd-lab (4300)
 *   lsfd-test2  uid 4202, primary group lsfd-test2 (4202)
 *   lsfd-dock   uid 4203, primary group lsfd-dock (4203), supplementary docker
 * lsfd-test and lsfd-test2 are the secure deployment's users, outside the docker group: they reach
 * the daemon only through the sudo rule (scripts/lib/sudo.sh). lsfd-dock is the docker-group
 * mode's user (no boundary). Information is read from the OS (getent, id), never assumed.
 */
import { execFileSync } from 'node:child_process';

export const TEST_USER = 'lsfd-test';
export const TEST_USER2 = 'lsfd-test2';
/** The docker-group mode's user: in group docker, so the daemon is theirs (no boundary). */
export const DOCKER_GROUP_USER = 'lsfd-dock';
/** A group only TEST_USER belongs to (supplementary). */
export const LAB_GROUP = 'lsfd-lab';

export interface UserInfo {
  name: string;
  uid: number;
  /** Primary gid. */
  gid: number;
  /** Every group id the user is in, primary first, as `id -G` prints them. */
  groups: number[];
  /** Group names in the same order as groups. */
  groupNames: string[];
  home: string;
  shell: string;
}

const cache = new Map<string, UserInfo>();

/** uid, gid, groups, home and shell of a user, from getent passwd and id -G / id -nG. Throws if unknown. */
export function userInfo(name: string): UserInfo {
  const cached = cache.get(name);
  if (cached) return cached;
  let passwd: string;
  try {
    passwd = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      `user ${name} does not exist: run \`npm run setup\` or \`bash scripts/provision.sh users\``,
    );
  }
  const fields = passwd.split(':');
  const groups = execFileSync('id', ['-G', name], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  const groupNames = execFileSync('id', ['-nG', name], { encoding: 'utf8' }).trim().split(/\s+/);
  const info: UserInfo = {
    name,
    uid: Number(fields[2]),
    gid: Number(fields[3]),
    groups,
    groupNames,
    home: fields[5] ?? '',
    shell: fields[6] ?? '',
  };
  cache.set(name, info);
  return info;
}

/** gid of a group by name (getent group). Throws if unknown. */
export function groupId(name: string): number {
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
  return Number(line.split(':')[2]);
}
