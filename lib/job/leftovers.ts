import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { type OwnerRecord, parseOwnerRecord, removePrivateDir } from '../host/private-dir.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import { OWNER_FILE, PRIVATE_DIR_NAME } from '../kernel/names.js';
import type { ContainerRuntime } from '../runtime/types.js';

/**
 * What killed wrappers leave behind (a private dir, the container it names), found and removed
 * for docker_run's start-up sweep and `lsf-docker sweep` (lib/sweep) alike.
 */
export interface SweepScope {
  tmpRoot: string;
  host: string;
  /** Only this user's leftovers; undefined (root only) means every user's. */
  uid: number | undefined;
  /** Our own pid, never swept. */
  selfPid: number;
  isAlive: (pid: number) => boolean;
  /**
   * The scheduler's liveness: whether the job a container (by its labels) belongs to has ended.
   * Such a container is removed even though its wrapper lives (a crashed node, a killed slurmd).
   * Undefined: pid liveness only.
   */
  jobEnded?: (labels: Readonly<Record<string, string>>) => Promise<boolean>;
  dryRun: boolean;
  /** Private dirs without a readable owner record older than this (ms) are removed. */
  orphanAgeMs: number;
  /** The sweeping process's euid: only private dirs it owns are read or removed (never another's). */
  euid: number;
  /** Remove a container only when its private dir proves it (default: as root). */
  requireProof?: boolean;
}

export interface SweepReport {
  containers: string[];
  dirs: string[];
  problems: string[];
  /** Containers left alone, with why (not proven to be lsf-docker's). */
  kept: string[];
}

export const emptyReport = (): SweepReport => ({ containers: [], dirs: [], problems: [], kept: [] });

function readOwner(dir: string): OwnerRecord | undefined {
  try {
    return parseOwnerRecord(readFileSync(`${dir}/${OWNER_FILE}`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readCid(dir: string): string | undefined {
  try {
    return readFileSync(`${dir}/cid`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A private dir of SCOPE that is stale: its owner record, or none (an orphan old enough). */
function staleDir(scope: SweepScope, name: string): { dir: string; owner?: OwnerRecord } | undefined {
  // Only private dirs (lsf-docker.<uid>.<random>): never other entries such as the local LSF's state dir.
  const nameUid = PRIVATE_DIR_NAME.exec(name)?.[1];
  if (nameUid === undefined || (scope.uid !== undefined && Number(nameUid) !== scope.uid)) return undefined;
  const dir = `${scope.tmpRoot}/${name}`;
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory() || stat.uid !== scope.euid || (stat.mode & 0o077) !== 0) return undefined;
  const owner = readOwner(dir);
  if (!owner) return Date.now() - stat.mtimeMs >= scope.orphanAgeMs ? { dir } : undefined;
  if (owner.uid !== Number(nameUid)) return undefined;
  if (owner.host !== scope.host || owner.pid === scope.selfPid || scope.isAlive(owner.pid)) return undefined;
  return { dir, owner };
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
  return names.flatMap((name) => {
    const stale = staleDir(scope, name);
    return stale ? [stale] : [];
  });
}

/** Removes container ID (shown as SHOWN), or only reports it in a dry run. */
export async function removeContainer(
  runtime: ContainerRuntime,
  id: string,
  scope: SweepScope,
  report: SweepReport,
  shown = id,
): Promise<void> {
  if (scope.dryRun) {
    report.containers.push(shown);
    return;
  }
  const result = await runtime.remove(id);
  if (result.ok || result.absent) report.containers.push(shown);
  else report.problems.push(`${shown}: ${result.message}`);
}

/**
 * Removes the container an owner record names, only if the runtime's labels agree with the
 * record (ours, same uid, same wrapper pid, this host) and its name is the record's: a record
 * cannot point a sweep at anyone else's container. False when it could not be removed (the dir
 * is then kept for a later sweep).
 */
async function removeRecordedContainer(
  runtime: ContainerRuntime,
  dir: string,
  owner: OwnerRecord,
  scope: SweepScope,
  report: SweepReport,
): Promise<boolean> {
  let found: Awaited<ReturnType<ContainerRuntime['find']>>;
  try {
    found = await runtime.find({
      [LABEL.managed]: MANAGED_VALUE,
      [LABEL.uid]: String(owner.uid),
      [LABEL.pid]: String(owner.pid),
      [LABEL.host]: scope.host,
    });
  } catch (err) {
    report.problems.push((err as Error).message);
    return false;
  }
  // The runtime's cidfile names the very container (a name alone could be another's by then).
  const cid = readCid(dir);
  const named = found.filter((c) => c.name === owner.container && (cid === undefined || cid === c.id));
  for (const c of named) await removeContainer(runtime, c.id, scope, report, owner.container);
  return named.length === 0 || report.containers.includes(owner.container);
}

/**
 * Fast sweep for docker_run's start: only the private dirs of this user whose wrapper is gone,
 * and the container each one names. No runtime call at all when nothing is stale.
 */
export async function sweepStaleDirs(runtime: ContainerRuntime, scope: SweepScope): Promise<SweepReport> {
  const report = emptyReport();
  for (const { dir, owner } of staleDirs(scope)) {
    if (owner?.container && !(await removeRecordedContainer(runtime, dir, owner, scope, report))) continue;
    try {
      if (!scope.dryRun) removePrivateDir(dir);
      report.dirs.push(dir);
    } catch (err) {
      report.problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  return report;
}
