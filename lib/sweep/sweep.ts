import {
  emptyReport,
  removeContainer,
  type SweepReport,
  type SweepScope,
  sweepStaleDirs,
} from '../job/leftovers.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import type { ContainerRuntime } from '../runtime/types.js';

export { type SweepReport, type SweepScope, staleDirs, sweepStaleDirs } from '../job/leftovers.js';

/**
 * Full sweep (`lsf-docker sweep`): every container labelled as ours on this host whose wrapper
 * is gone, or whose job the scheduler says has ended (in scope), then the stale private dirs. A
 * container whose wrapper lives and whose job runs is never touched. Containers are found by label and read from the runtime's JSON.
 */
export async function sweepAll(runtime: ContainerRuntime, scope: SweepScope): Promise<SweepReport> {
  const report = emptyReport();
  const query: Record<string, string> = { [LABEL.managed]: MANAGED_VALUE, [LABEL.host]: scope.host };
  if (scope.uid !== undefined) query[LABEL.uid] = String(scope.uid);
  try {
    for (const c of await runtime.find(query)) {
      const pid = Number(c.labels[LABEL.pid]);
      if (pid === scope.selfPid) continue;
      if (scope.isAlive(pid) && !(await scope.jobEnded?.(c.labels))) continue;
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
