import { spawn } from 'node:child_process';
import { openSync, realpathSync } from 'node:fs';
import { usageError } from '../kernel/errors.js';
import { parseJobId } from '../kernel/grammar/job-id.js';
import { binDir, type Local, openLocal } from './context.js';
import { olderJobWaiting } from './queue.js';
import { type JobRecord, jobPaths, listRecords } from './record.js';
import { runElement } from './run-element.js';

/** Starts the detached supervisor of RECORD's job (bsub --lsf-docker-supervise=JOBID), logging to the job's log. */
export function startSupervisor(local: Local, record: JobRecord): void {
  const paths = jobPaths(local.dirs, record.id, record.index);
  const log = openSync(paths.log, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [
      realpathSync(process.argv[1]!),
      ...(record.config ? ['--config', record.config] : []),
      'bsub',
      `--lsf-docker-supervise=${record.id}`,
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: '/',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: local.home,
        LANG: 'C.UTF-8',
      },
    },
  );
  child.unref();
}

/**
 * The detached supervisor of one job (bsub --lsf-docker-supervise=JOBID): runs its pending
 * elements, dispatching them in index order (and after the user's older waiting jobs).
 */
export async function supervise(jobText: string, configPath: string | undefined): Promise<number> {
  const id = parseJobId(jobText);
  if (id === undefined) throw usageError(`--lsf-docker-supervise: "${jobText}" is not a job id`);
  const local = openLocal(configPath);
  const elements = listRecords(local.dirs).filter((r) => r.id === id && r.status === 'PEND');
  const gone = new Set<number>();
  const finished = new Set<string>();
  await Promise.all(
    elements.map((record, i) =>
      runElement(record, local.config, {
        dirs: local.dirs,
        binDir: binDir(),
        interactive: false,
        mayDispatch: () =>
          elements.every((_, j) => j >= i || gone.has(j)) && !olderJobWaiting(local.dirs, id, finished),
        leftQueue: () => gone.add(i),
      }),
    ),
  );
  return 0;
}
