import type { FileContents } from '../host/private-dir.js';
import type { PreparedJob } from '../job/prepare.js';
import { LABEL } from '../kernel/labels.js';

/**
 * What docker_run writes to the job's private dir: the files rendered from the spec and the
 * owner record that tells a later sweep whose they are.
 */
export function privateDirContents(
  job: Pick<PreparedJob, 'spec' | 'files' | 'identity' | 'probe'>,
  started = new Date(),
): FileContents {
  const { spec, files, identity, probe } = job;
  return {
    passwd: files.passwd,
    group: files.group,
    script: files.script,
    env: files.env,
    owner: {
      pid: process.pid,
      host: probe.hostname,
      uid: identity.uid,
      container: spec.name,
      job: spec.labels.find(([k]) => k === LABEL.job)?.[1] ?? '',
      started: started.toISOString(),
    },
  };
}
