import { readdirSync, readFileSync, statSync } from 'node:fs';
import { OWNER_FILE, type OwnerRecord, removePrivateDir } from '../artifacts/private-dir.js';
import type { DockerCli } from '../runner/docker-cli.js';

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
}

export interface SweepReport {
  containers: string[];
  dirs: string[];
  problems: string[];
}

function readOwner(dir: string): OwnerRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(`${dir}/${OWNER_FILE}`, 'utf8')) as OwnerRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Private dirs of the scope whose wrapper is gone, with the container name their owner record names. */
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
    const uid = PRIVATE_DIR_NAME.exec(name)?.[1];
    if (uid === undefined || (scope.uid !== undefined && Number(uid) !== scope.uid)) continue;
    const dir = `${scope.tmpRoot}/${name}`;
    const owner = readOwner(dir);
    if (owner) {
      if (owner.host !== scope.host || owner.pid === scope.selfPid || scope.isAlive(owner.pid)) continue;
      if (scope.uid !== undefined && owner.uid !== scope.uid) continue;
      out.push({ dir, owner });
    } else {
      try {
        const stat = statSync(dir);
        if (!stat.isDirectory() || Date.now() - stat.mtimeMs < scope.orphanAgeMs) continue;
        if (scope.uid !== undefined && stat.uid !== scope.uid) continue;
      } catch {
        continue;
      }
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
    if (owner?.container) await removeContainer(cli, owner.container, scope, report);
    if (!scope.dryRun) removePrivateDir(dir);
    report.dirs.push(dir);
  }
  return report;
}

async function removeContainer(cli: DockerCli, idOrName: string, scope: SweepScope, report: SweepReport) {
  if (scope.dryRun) {
    report.containers.push(idOrName);
    return;
  }
  const result = await cli.call(['rm', '--force', '--volumes', idOrName]);
  if (result.exitCode === 0) report.containers.push(idOrName);
  else if (!/No such container/i.test(result.stderr))
    report.problems.push(`${idOrName}: ${result.stderr.trim()}`);
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
      await removeContainer(cli, id, scope, report);
      if (report.containers.at(-1) === id) report.containers[report.containers.length - 1] = name || id;
    }
  }
  const dirs = await sweepStaleDirs(cli, scope);
  report.containers.push(...dirs.containers.filter((c) => !report.containers.includes(c)));
  report.dirs.push(...dirs.dirs);
  report.problems.push(...dirs.problems);
  return report;
}
