import type { AppliedProfile, Who } from './types.js';

/** What the audit line says about the job besides the profile. */
export interface AuditFacts {
  who: Who;
  /** The scheduler's job id ('' outside a scheduler) and array index. */
  job: string;
  index: number;
  host: string;
  /** The container's name. */
  container: string;
  program: string;
  pid: number;
  time: Date;
}

/**
 * The one audit line of a job that uses a profile: a JSON object on one line (JSON.stringify
 * escapes every control character, so no value can forge a second line), with who, which job,
 * which profile and everything it widened.
 */
export function auditLine(profile: AppliedProfile, facts: AuditFacts): string {
  return JSON.stringify({
    time: facts.time.toISOString(),
    program: facts.program,
    pid: facts.pid,
    host: facts.host,
    user: facts.who.user,
    uid: facts.who.uid,
    job: facts.job,
    index: facts.index,
    profile: profile.name,
    source: profile.source,
    granted: profile.grantedBy,
    container: facts.container,
    privileged: profile.privileged,
    widened: profile.changes,
  });
}
