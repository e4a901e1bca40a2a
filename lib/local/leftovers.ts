import type { Config } from '../config/schema.js';
import { LABEL } from '../kernel/labels.js';
import { createLogger } from '../kernel/log/logger.js';
import { createRuntime } from '../runtime/create.js';
import type { JobRecord } from './record.js';

/**
 * After a kill: no container of the job may outlive it (docker_run removes its own; this is the
 * safety net). Found by the job's labels through the runtime seam; a failure is reported on the
 * supervisor's log, never thrown.
 */
export async function removeLeftoverContainers(config: Config, record: JobRecord): Promise<void> {
  const runtime = createRuntime({
    config,
    identity: { home: record.home },
    log: createLogger('lsf-docker'),
    actingAsRoot: false,
  });
  try {
    const found = await runtime.find({
      [LABEL.job]: String(record.id),
      [LABEL.index]: String(record.index),
      [LABEL.uid]: String(record.uid),
    });
    for (const container of found) await runtime.remove(container.id);
  } catch (err) {
    process.stderr.write(`lsf-docker: job ${record.id}: leftover containers: ${(err as Error).message}\n`);
  }
}
