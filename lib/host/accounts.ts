import { childProcess } from '../kernel/builtin.js';

/** Whether NAME is in the user (passwd) or group database of this host, as getent(1) answers. */
export function accountExists(database: 'passwd' | 'group', name: string): boolean {
  try {
    childProcess().execFileSync('/usr/bin/getent', [database, '--', name], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}
