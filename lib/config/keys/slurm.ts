import { type KeyDef, key, section } from '../key-def.js';
import { absPath, fail, int, oneOf, optionalStr, seconds } from '../parsers.js';

/** [slurm]: the Slurm back-end (docs/admin-guide-slurm.md). */
export interface SlurmConfig {
  /** The slurm.conf Slurm's clients read, handed to them as SLURM_CONF. */
  conf: string;
  /** The partition jobs go to without -q; undefined: the cluster's default partition. */
  partition: string | undefined;
  /** Where sbatch, squeue, scancel, srun and scontrol are; undefined: the caller's PATH (a fixed one when unset). */
  binDir: string | undefined;
  /** sbatch --output for a job without -o, in Slurm's pattern syntax; undefined: Slurm's slurm-%j.out. */
  defaultOutput: string | undefined;
  /** The highest array index the cluster takes (its MaxArraySize - 1). */
  maxArrayIndex: number;
  /** Seconds between two squeue polls of bsub -K. */
  pollInterval: number;
  /** Seconds a Slurm client call may take before it counts as a cluster that cannot be reached. */
  timeout: number;
  /** How the batch script starts the job starter: direct (exec docker_run) or sudo (exec sudo -n docker_run). */
  starter: 'direct' | 'sudo';
}

export const slurmDefaults = (): SlurmConfig => ({
  conf: '/etc/slurm/slurm.conf',
  partition: undefined,
  binDir: undefined,
  defaultOutput: undefined,
  maxArrayIndex: 1000,
  pollInterval: 1,
  timeout: 60,
  starter: 'direct',
});

const partition = (raw: unknown, name: string): string | undefined => {
  const value = optionalStr(raw, name);
  if (value === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(value)) return value;
  return fail('must be a partition name (letters, digits, . _ -)');
};

/** An absolute path, which may hold Slurm's %-patterns (%u, %j, %A, %a, %x ...); no backslash (it turns them off). */
const outputPattern = (raw: unknown, name: string): string | undefined =>
  optionalStr(raw, name) === undefined ? undefined : absPath(raw, name);

export const SLURM_KEYS: KeyDef[] = section<SlurmConfig>('slurm', [
  key('conf', absPath, (s, v) => (s.conf = v)),
  key('partition', partition, (s, v) => (s.partition = v)),
  key('bin_dir', absPath, (s, v) => (s.binDir = v)),
  key('default_output', outputPattern, (s, v) => (s.defaultOutput = v)),
  key('max_array_index', int(1, 4_000_000), (s, v) => (s.maxArrayIndex = v)),
  key('poll_interval', seconds(60), (s, v) => (s.pollInterval = v)),
  key('timeout', seconds(3600), (s, v) => (s.timeout = v)),
  key('starter', oneOf('direct', 'sudo'), (s, v) => (s.starter = v)),
]);
