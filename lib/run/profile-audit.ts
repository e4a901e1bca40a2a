import { type AuditFacts, auditLine } from '../config/profiles/audit-line.js';
import type { AppliedProfile } from '../config/profiles/types.js';
import { whoOf } from '../config/profiles/who.js';
import { appendAuditLine } from '../host/audit-file.js';
import type { PreparedJob } from '../job/prepare.js';
import { LABEL } from '../kernel/labels.js';

/** The audit facts of a prepared job. */
export function auditFacts(
  job: Pick<PreparedJob, 'spec' | 'identity' | 'probe'>,
  time = new Date(),
): AuditFacts {
  const label = (name: string) => job.spec.labels.find(([k]) => k === name)?.[1] ?? '';
  return {
    who: whoOf(job.identity),
    job: label(LABEL.job),
    index: Number(label(LABEL.index) || 0),
    host: job.probe.hostname,
    container: job.spec.name,
    program: 'docker_run',
    pid: process.pid,
    time,
  };
}

/**
 * The one audit line of a job that uses PROFILE, written before anything is created: appended
 * to [log] audit when set (a failure stops the job: exit 211), else logged at WARNING in the
 * job's own log (which the user can see but is no tamper-proof record).
 */
export function writeProfileAudit(
  job: Pick<PreparedJob, 'spec' | 'identity' | 'probe' | 'config' | 'log'>,
  profile: AppliedProfile,
  euid: number,
): void {
  const line = auditLine(profile, auditFacts(job));
  const path = job.config.log.audit;
  if (path === undefined) job.log.warning(`audit: ${line}`);
  else appendAuditLine(path, line, euid);
}
