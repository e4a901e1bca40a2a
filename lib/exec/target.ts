/** What `docker inspect` tells about a candidate container (the fields docker_exec trusts). */
export interface ContainerFacts {
  id: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
  /** Config.User: "uid:gid" as docker_run set it. */
  user: string;
  workdir: string;
}

export type TargetChoice =
  | { ok: true; container: ContainerFacts }
  | { ok: false; reason: string; otherUser?: boolean };

/** JOBID or JOBID[INDEX]. */
export function parseJobTarget(text: string): { id: number; index: number } | undefined {
  const m = /^(\d{1,10})(?:\[(\d{1,9})\])?$/.exec(text.trim());
  return m ? { id: Number(m[1]), index: m[2] === undefined ? 0 : Number(m[2]) } : undefined;
}

/**
 * Picks the container of job ID[INDEX] among CANDIDATES (containers labelled lsf-docker.job=ID):
 * managed by lsf-docker, running, of that index, and started for the caller: its lsf-docker.uid
 * label and its user (uid:gid) must both be the caller's. Pure.
 */
export function chooseTarget(
  candidates: ContainerFacts[],
  job: { id: number; index: number },
  caller: { uid: number; gid: number },
): TargetChoice {
  const label = job.index > 0 ? `${job.id}[${job.index}]` : String(job.id);
  const ofJob = candidates.filter(
    (c) =>
      c.labels['lsf-docker.managed'] === 'true' &&
      c.labels['lsf-docker.job'] === String(job.id) &&
      (c.labels['lsf-docker.index'] ?? '0') === String(job.index),
  );
  if (ofJob.length === 0)
    return { ok: false, reason: `job ${label} has no container on this host (is it running in docker?)` };
  const mine = ofJob.filter((c) => c.labels['lsf-docker.uid'] === String(caller.uid));
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

/** The `docker exec` argv (without the binary). One word is shell text (as a job command); more are argv. */
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
  const a = ['exec', '--user', `${opts.uid}:${opts.gid}`, `--env-file=${opts.envFile}`];
  if (opts.interactive) a.push('--interactive');
  if (opts.tty) a.push('--tty');
  a.push('--', opts.container);
  if (opts.command.length === 1) a.push('/bin/sh', '-c', opts.command[0]!);
  else a.push(...opts.command);
  return a;
}
