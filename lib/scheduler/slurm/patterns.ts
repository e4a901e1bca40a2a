/**
 * Slurm's file name patterns (sbatch(1) "filename pattern") expanded for one job record, so that
 * bpeek finds the file slurmstepd writes. Pure.
 */
import type { SlurmJobRecord } from './states.js';

type Record = Pick<SlurmJobRecord, 'slurmId' | 'id' | 'index' | 'name' | 'user' | 'nodes' | 'workDir'> & {
  arrayJob: boolean;
};

/**
 * PATTERN for RECORD: %% %A %a %j %N %u %x (with an optional width, %3a -> 003), relative to the
 * job's working directory. Undefined for a pattern that needs what a record does not hold
 * (%s step, %t task, %n node index...) and for a backslash (Slurm then expands nothing).
 */
export function expandOutputPattern(pattern: string, r: Record): string | undefined {
  if (pattern.includes('\\')) return undefined;
  const values: { [letter: string]: string | undefined } = {
    A: String(r.arrayJob ? r.id : r.slurmId),
    a: r.arrayJob ? String(r.index) : '4294967294',
    j: String(r.slurmId),
    N: r.nodes[0],
    u: r.user,
    x: r.name,
  };
  let unknown = false;
  const path = pattern.replace(/%(\d{0,2})([%A-Za-z])/g, (_m, width: string, letter: string) => {
    if (letter === '%') return '%';
    const value = values[letter];
    if (value === undefined) {
      unknown = true;
      return '';
    }
    return width && /^\d+$/.test(value) ? value.padStart(Number(width), '0') : value;
  });
  if (unknown) return undefined;
  if (path.startsWith('/')) return path;
  return r.workDir ? `${r.workDir}/${path}` : undefined;
}

/** The file Slurm writes a job's stdout to when it was given no --output. */
export const DEFAULT_OUTPUT = (arrayJob: boolean) => (arrayJob ? 'slurm-%A_%a.out' : 'slurm-%j.out');
