import { type JobTarget, parseJobTarget } from '../kernel/grammar/job-id.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import { dockerExecArgv } from '../runtime/docker/runtime.js';
import type { FoundContainer } from '../runtime/types.js';

/** What the runtime's inspect JSON tells about a candidate container (the fields docker_exec trusts). */
export type ContainerFacts = FoundContainer;

export type TargetChoice =
  | { ok: true; container: ContainerFacts }
  | { ok: false; reason: string; otherUser?: boolean };

/** JOBID or JOBID[INDEX], by the one job-id grammar (lib/kernel/grammar/job-id.ts). */
export { parseJobTarget };

/**
 * Picks the container of job ID[INDEX] among CANDIDATES (containers labelled lsf-docker.job=ID):
 * managed by lsf-docker, running, of that index, and started for the caller: its lsf-docker.uid
 * label and its user (uid:gid) must both be the caller's. Pure.
 */
export function chooseTarget(
  candidates: readonly ContainerFacts[],
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

/**
 * TRANSITIONAL (test/unit/local/local.test.ts): the docker exec argv of a command. The service
 * asks the runtime (runtime.execArgv) with execCommand's argv instead.
 */
export function buildExecArgs(opts: {
  container: string;
  uid: number;
  gid: number;
  groups: number[];
  envFile: string;
  interactive: boolean;
  tty: boolean;
  command: string[];
}): string[] {
  const { container, uid, gid, envFile, interactive, tty } = opts;
  return dockerExecArgv(container, {
    user: `${uid}:${gid}`,
    envFile,
    interactive,
    tty,
    command: execCommand(opts.command),
  });
}
