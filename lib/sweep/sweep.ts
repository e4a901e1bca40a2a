import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { OWNER_FILE, type OwnerRecord, removePrivateDir } from '../host/private-dir.js';
import type { DockerCli } from '../runtime/docker/cli.js';

/** The name mkdtemp gives a private dir: lsf-docker.<uid>.<six random characters>. */
export const PRIVATE_DIR_NAME = /^lsf-docker\.(\d+)\.[A-Za-z0-9]{6}$/;

export interface SweepScope {
  tmpRoot: string;
  host: string;
  /** Only this user's leftovers; undefined (root only) means every user's. */
  uid: number | undefined;
  /** Our own pid, never swept. */
  selfPid: number;
  isAlive: (pid: number) => boolean;
  dryRun: boolean;
  /** Private dirs without a readable owner record older than this (ms) are removed. */
  orphanAgeMs: number;
  /** The sweeping process's euid: only private dirs it owns are read or removed (never another's). */
  euid: number;
}

export interface SweepReport {
  containers: string[];
  dirs: string[];
  problems: string[];
}

function readOwner(dir: string): OwnerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(`${dir}/${OWNER_FILE}`, 'utf8')) as OwnerRecord;
    return Number.isInteger(record.pid) && Number.isInteger(record.uid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Private dirs of the scope whose wrapper is gone, with the container their owner record names.
 * A dir counts only when it is a real directory (not a link) owned by the sweeping process and
 * its name, record and scope agree on the uid: a user cannot plant a record that makes a sweep
 * remove another user's container or files, and root never removes a dir a user could change.
 */
export function staleDirs(scope: SweepScope): Array<{ dir: string; owner?: OwnerRecord }> {
  let names: string[];
  try {
    names = readdirSync(scope.tmpRoot);
  } catch {
    return [];
  }
  const out: Array<{ dir: string; owner?: OwnerRecord }> = [];
  for (const name of names) {
    // Only private dirs (lsf-docker.<uid>.<random>): never other entries such as the local LSF's state dir.
    const nameUid = PRIVATE_DIR_NAME.exec(name)?.[1];
    if (nameUid === undefined || (scope.uid !== undefined && Number(nameUid) !== scope.uid)) continue;
    const dir = `${scope.tmpRoot}/${name}`;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (!stat.isDirectory() || stat.uid !== scope.euid || (stat.mode & 0o077) !== 0) continue;
    const owner = readOwner(dir);
    if (owner) {
      if (owner.uid !== Number(nameUid)) continue;
      if (owner.host !== scope.host || owner.pid === scope.selfPid || scope.isAlive(owner.pid)) continue;
      out.push({ dir, owner });
    } else if (Date.now() - stat.mtimeMs >= scope.orphanAgeMs) {
      out.push({ dir });
    }
  }
  return out;
}

/**
 * Fast sweep for docker_run's start: only the private dirs of this user whose wrapper is gone,
 * and the container each one names. No docker call at all when nothing is stale.
 */
export async function sweepStaleDirs(cli: DockerCli, scope: SweepScope): Promise<SweepReport> {
  const report: SweepReport = { containers: [], dirs: [], problems: [] };
  for (const { dir, owner } of staleDirs(scope)) {
    if (owner?.container && !(await removeRecordedContainer(cli, owner, scope, report))) continue;
    try {
      if (!scope.dryRun) removePrivateDir(dir);
      report.dirs.push(dir);
    } catch (err) {
      report.problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  return report;
}

/**
 * Removes the container an owner record names, only if the daemon's labels agree with the record
 * (ours, same uid, same wrapper pid, this host): a record cannot point a sweep at anyone else's
 * container. False when it could not be removed (the dir is then kept for a later sweep).
 */
async function removeRecordedContainer(
  cli: DockerCli,
  owner: OwnerRecord,
  scope: SweepScope,
  report: SweepReport,
): Promise<boolean> {
  const listed = await cli.call([
    'ps',
    '--all',
    '--quiet',
    '--no-trunc',
    '--filter',
    `name=^/${owner.container.replace(/[^A-Za-z0-9_.-]/g, '')}$`,
    '--filter',
    'label=lsf-docker.managed=true',
    '--filter',
    `label=lsf-docker.uid=${owner.uid}`,
    '--filter',
    `label=lsf-docker.pid=${owner.pid}`,
    '--filter',
    `label=lsf-docker.host=${scope.host}`,
  ]);
  if (listed.exitCode !== 0) {
    report.problems.push(`docker ps: ${listed.stderr.trim()}`);
    return false;
  }
  const ids = listed.stdout.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
  for (const id of ids) await removeContainer(cli, id, scope, report, owner.container);
  return ids.length === 0 || report.containers.includes(owner.container);
}

async function removeContainer(
  cli: DockerCli,
  id: string,
  scope: SweepScope,
  report: SweepReport,
  shown = id,
): Promise<void> {
  if (scope.dryRun) {
    report.containers.push(shown);
    return;
  }
  const result = await cli.call(['rm', '--force', '--volumes', id]);
  if (result.exitCode === 0 || /No such container/i.test(result.stderr)) report.containers.push(shown);
  else report.problems.push(`${shown}: ${result.stderr.trim()}`);
}

/**
 * Full sweep (`lsf-docker sweep`): every container labelled as ours on this host whose wrapper
 * is gone (in scope), then the stale private dirs. A container whose wrapper lives is never touched.
 */
export async function sweepAll(cli: DockerCli, scope: SweepScope): Promise<SweepReport> {
  const report: SweepReport = { containers: [], dirs: [], problems: [] };
  const filters = [
    '--filter',
    'label=lsf-docker.managed=true',
    '--filter',
    `label=lsf-docker.host=${scope.host}`,
  ];
  if (scope.uid !== undefined) filters.push('--filter', `label=lsf-docker.uid=${scope.uid}`);
  const listed = await cli.call([
    'ps',
    '--all',
    '--no-trunc',
    ...filters,
    '--format',
    '{{.ID}}\t{{.Names}}\t{{.Label "lsf-docker.pid"}}',
  ]);
  if (listed.exitCode !== 0) {
    report.problems.push(`docker ps: ${listed.stderr.trim()}`);
  } else {
    for (const line of listed.stdout.split('\n').filter((l) => l.trim() !== '')) {
      const [id = '', name = '', pidText = ''] = line.split('\t');
      const pid = Number(pidText);
      if (pid === scope.selfPid || scope.isAlive(pid)) continue;
      await removeContainer(cli, id, scope, report, name || id);
    }
  }
  const dirs = await sweepStaleDirs(cli, scope);
  report.containers.push(...dirs.containers.filter((c) => !report.containers.includes(c)));
  report.dirs.push(...dirs.dirs);
  report.problems.push(...dirs.problems);
  return report;
}
