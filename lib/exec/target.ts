import type { JobTarget } from '../kernel/grammar/job-id.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import type { FoundContainer } from '../runtime/types.js';

export type TargetChoice =
  | { ok: true; container: FoundContainer }
  | { ok: false; reason: string; otherUser?: boolean };

/**
 * Picks the container of job ID[INDEX] among CANDIDATES (containers labelled lsf-docker.job=ID):
 * managed by lsf-docker, running, of that index, and started for the caller: its lsf-docker.uid
 * label and its user (uid:gid) must both be the caller's. Pure.
 */
export function chooseTarget(
  candidates: readonly FoundContainer[],
  job: JobTarget,
  caller: { uid: number; gid: number },
): TargetChoice {
  const index = job.index ?? 0;
  const label = index > 0 ? `${job.id}[${index}]` : String(job.id);
  const ofJob = candidates.filter(
    (c) =>
      c.labels[LABEL.managed] === MANAGED_VALUE &&
      c.labels[LABEL.job] === String(job.id) &&
      (c.labels[LABEL.index] ?? '0') === String(index),
  );
  if (ofJob.length === 0)
    return { ok: false, reason: `job ${label} has no container on this host (is it running in docker?)` };
  const mine = ofJob.filter((c) => c.labels[LABEL.uid] === String(caller.uid));
  if (mine.length === 0)
    return { ok: false, reason: `job ${label} belongs to another user`, otherUser: true };
  const running = mine.filter((c) => c.running);
  if (running.length === 0) return { ok: false, reason: `job ${label}'s container is not running` };
  if (running.length > 1)
    return { ok: false, reason: `job ${label} has ${running.length} running containers; refusing to guess` };
  const c = running[0]!;
  const [uid] = c.user.split(':');
  if (uid !== String(caller.uid))
    return { ok: false, reason: `job ${label}'s container runs as ${c.user}, not as you`, otherUser: true };
  return { ok: true, container: c };
}

/** What runs in the container: one word is shell text (as a job command), more are an argv. Pure. */
export function execCommand(words: readonly string[]): string[] {
  return words.length === 1 ? ['/bin/sh', '-c', words[0]!] : [...words];
}
