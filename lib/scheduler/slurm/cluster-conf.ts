/**
 * What lsf-docker reads from the cluster's slurm.conf: its ClusterName (whose jobs a container's
 * label names) and KillWait (how long Slurm waits between scancel's SIGTERM and its SIGKILL),
 * checked against [job] terminate_interval. Pure.
 */

/** Slurm's default KillWait (slurm.conf(5)). */
export const DEFAULT_KILL_WAIT = 30;
/** The margin measured as needed: docker_run's `docker rm -f` ends ~0.4 s after terminate_interval. */
export const MIN_MARGIN = 2;
/** The margin recommended: KillWait = terminate_interval + 5 (what scripts/lib/slurm.sh writes). */
export const GOOD_MARGIN = 5;

export interface SlurmConfFacts {
  clusterName?: string;
  /** Seconds; DEFAULT_KILL_WAIT when the file does not set it. */
  killWait: number;
  /** Include lines: settings there are not read (the check says so). */
  includes: string[];
}

/** slurm.conf's KEY=VALUE settings (keys case-insensitive, # comments, the last one wins). */
export function parseSlurmConf(text: string): SlurmConfFacts {
  const values = new Map<string, string>();
  const includes: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const include = /^include\s+(\S+)/i.exec(line);
    if (include) includes.push(include[1]!);
    for (const m of line.matchAll(/([A-Za-z]+)=(\S*)/g)) values.set(m[1]!.toLowerCase(), m[2]!);
  }
  const killWait = values.get('killwait');
  return {
    clusterName: values.get('clustername') || undefined,
    killWait: killWait !== undefined && /^\d{1,6}$/.test(killWait) ? Number(killWait) : DEFAULT_KILL_WAIT,
    includes,
  };
}

export type Verdict = { level: 'ok' | 'warn' | 'fail'; detail: string };

/**
 * KillWait against [job] terminate_interval: scancel's SIGTERM reaches docker_run, which relays it
 * and removes the container terminate_interval seconds later; Slurm's SIGKILL comes KillWait
 * seconds after the SIGTERM. Below MIN_MARGIN the SIGKILL can kill docker_run first (the
 * container and its private dir stay until a sweep); below GOOD_MARGIN it is tight.
 */
export function killWaitVerdict(killWait: number, terminateInterval: number): Verdict {
  const margin = killWait - terminateInterval;
  const facts = `KillWait ${killWait}s, [job] terminate_interval ${terminateInterval}s`;
  const fix = `set KillWait >= ${Math.ceil(terminateInterval + GOOD_MARGIN)} (terminate_interval + ${GOOD_MARGIN})`;
  if (margin < MIN_MARGIN)
    return {
      level: 'fail',
      detail: `${facts}: Slurm's SIGKILL can come before docker_run has removed the container; ${fix}`,
    };
  if (margin < GOOD_MARGIN)
    return { level: 'warn', detail: `${facts}: a margin of ${margin}s is tight; ${fix}` };
  return { level: 'ok', detail: `${facts}: the container is removed before Slurm's SIGKILL` };
}
