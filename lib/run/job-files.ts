import type { FileContents } from '../host/private-dir.js';
import type { PreparedJob } from '../job/prepare.js';
import { LABEL } from '../kernel/labels.js';

/**
 * What docker_run writes to the job's private dir: the rendered files and the owner record that
 * tells a later sweep whose they are. The one place this service reads the prepared job's files.
 */
export function privateDirContents(job: PreparedJob, started = new Date()): FileContents {
  const { plan, envText, identity, probe } = job;
  return {
    passwd: plan.passwd,
    group: plan.group,
    script: plan.script,
    env: envText,
    owner: {
      pid: process.pid,
      host: probe.hostname,
      uid: identity.uid,
      container: plan.name,
      job: plan.labels.find(([k]) => k === LABEL.job)?.[1] ?? '',
      started: started.toISOString(),
    },
  };
}
