import type { PrivateDirProof } from '../host/private-dir.js';
import type { JobTarget } from '../kernel/grammar/job-id.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import type { FoundContainer } from '../runtime/types.js';

export type TargetChoice =
  | { ok: true; container: FoundContainer }
  | { ok: false; reason: string; otherUser?: boolean };

/** Why CONTAINER is not proven to be the caller's job container, or undefined when it is. */
export type Confirm = (container: FoundContainer) => string | undefined;

/**
 * Picks the container of job ID[INDEX] among CANDIDATES (containers labelled lsf-docker.job=ID):
 * managed by lsf-docker, running, of that index, and started for the caller: its lsf-docker.uid
 * label and its user (uid:gid) must both be the caller's. Labels are hints anyone can set (a
 * build step's LABEL, an image pushed by hand): CONFIRM must then prove each one from what the
 * user cannot forge (the private dir's owner record and cidfile, lib/host/private-dir.ts).
 * Pure apart from CONFIRM.
 */
export function chooseTarget(
  candidates: readonly FoundContainer[],
  job: JobTarget,
  caller: { uid: number; gid: number },
  confirm: Confirm = () => undefined,
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
  const running = mine.filter((c) => c.running && c.user.split(':')[0] === String(caller.uid));
  if (running.length === 0) {
    const any = mine.find((c) => c.running);
    return any
      ? { ok: false, reason: `job ${label}'s container runs as ${any.user}, not as you`, otherUser: true }
      : { ok: false, reason: `job ${label}'s container is not running` };
  }
  const reasons = running.map(confirm);
  const proven = running.filter((_c, i) => reasons[i] === undefined);
  if (proven.length === 0)
    return {
      ok: false,
      reason: `job ${label} has no container on this host that lsf-docker started for you (${reasons[0]})`,
    };
  if (proven.length > 1)
    return { ok: false, reason: `job ${label} has ${proven.length} running containers; refusing to guess` };
  return { ok: true, container: proven[0]! };
}

/** The proof check of one candidate, over what its private dir says. Pure. */
export function proofReason(
  c: FoundContainer,
  proof: PrivateDirProof,
  caller: { uid: number },
  host: string,
  isAlive: (pid: number) => boolean,
): string | undefined {
  if (!proof.ok) return proof.reason;
  const { owner, cid } = proof;
  if (owner.uid !== caller.uid) return 'its owner record names another user';
  if (owner.host !== host) return 'its owner record names another host';
  if (owner.container !== c.name || cid !== c.id) return 'its private dir names another container';
  if (!isAlive(owner.pid)) return 'the docker_run that started it is gone';
  return undefined;
}

/** What runs in the container: one word is shell text (as a job command), more are an argv. Pure. */
export function execCommand(words: readonly string[]): string[] {
  return words.length === 1 ? ['/bin/sh', '-c', words[0]!] : [...words];
}
