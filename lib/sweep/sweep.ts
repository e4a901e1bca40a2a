import { readPrivateDirProof } from '../host/private-dir.js';
import {
  emptyReport,
  removeContainer,
  type SweepReport,
  type SweepScope,
  sweepStaleDirs,
} from '../job/leftovers.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import type { ContainerRuntime, FoundContainer } from '../runtime/types.js';

export { type SweepReport, type SweepScope, staleDirs, sweepStaleDirs } from '../job/leftovers.js';

/**
 * Why root may not remove C (its labels are hints anyone can set: a build step's LABEL, an image
 * pushed by hand), or undefined when its private dir proves it: a root-owned private dir whose
 * owner record names C's name, the uid of its label and a dead docker_run, and whose cidfile
 * holds C's id (the wrapper may live when the scheduler says the job ended). Without that proof
 * a container is kept (an admin may `docker rm` it).
 */
export function sweepProof(
  c: FoundContainer,
  scope: Pick<SweepScope, 'host' | 'isAlive' | 'euid'>,
  jobEndedWithLiveWrapper = false,
) {
  const uid = Number(c.labels[LABEL.uid]);
  if (!Number.isInteger(uid)) return 'its lsf-docker.uid label is not a uid';
  const proof = readPrivateDirProof(c.labels[LABEL.dir] ?? '', uid, [scope.euid]);
  if (!proof.ok) return proof.reason;
  const { owner, cid } = proof;
  if (owner.uid !== uid || owner.host !== scope.host) return 'its owner record disagrees with its labels';
  if (owner.container !== c.name || cid !== c.id) return 'its private dir names another container';
  if (scope.isAlive(owner.pid) && !jobEndedWithLiveWrapper) return 'its docker_run is alive';
  return undefined;
}

/**
 * Full sweep (`lsf-docker sweep`): every container labelled as ours on this host whose wrapper
 * is gone, or whose job the scheduler says has ended (in scope), then the stale private dirs. A
 * container whose wrapper lives and whose job runs is never touched. Containers are found by
 * label and read from the runtime's JSON; as root, each is removed only when its private dir
 * proves it (sweepProof).
 */
export async function sweepAll(runtime: ContainerRuntime, scope: SweepScope): Promise<SweepReport> {
  const report = emptyReport();
  const query: Record<string, string> = { [LABEL.managed]: MANAGED_VALUE, [LABEL.host]: scope.host };
  if (scope.uid !== undefined) query[LABEL.uid] = String(scope.uid);
  const prove = scope.requireProof ?? scope.euid === 0;
  try {
    for (const c of await runtime.find(query)) {
      const pid = Number(c.labels[LABEL.pid]);
      if (pid === scope.selfPid) continue;
      const wrapperAlive = scope.isAlive(pid);
      if (wrapperAlive && !(await scope.jobEnded?.(c.labels))) continue;
      const unproven = prove ? sweepProof(c, scope, wrapperAlive) : undefined;
      if (unproven) {
        report.kept.push(`${c.name || c.id}: ${unproven}`);
        continue;
      }
      await removeContainer(runtime, c.id, scope, report, c.name || c.id);
    }
  } catch (err) {
    report.problems.push((err as Error).message);
  }
  const dirs = await sweepStaleDirs(runtime, scope);
  report.containers.push(...dirs.containers.filter((c) => !report.containers.includes(c)));
  report.dirs.push(...dirs.dirs);
  report.problems.push(...dirs.problems);
  return report;
}
