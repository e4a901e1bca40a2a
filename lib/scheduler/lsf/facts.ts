/**
 * LSF facts the wrapper reads from a job's environment, as typed values: where LSF puts the job's
 * tmpdir, which ports and GPUs its resource request reserves, the submission directory, and what
 * an interactive job's container must be told. Pure; request/ turns them into the JobRequest and
 * policy judges the facts, never the LSF text. local/ uses the same names when it plays LSF.
 */
import { splitWords } from '../../kernel/grammar/words.js';
import type { JobVariable } from './contract.js';

/**
 * bjobs' exit status when nothing matched (no job, or no unfinished one): 0, as LSF, unless
 * LSB_BJOBS_CONSISTENT_EXIT_CODE=Y (then 255). Pure.
 */
export function bjobsNothingStatus(env: Readonly<Record<string, string | undefined>>): number {
  return env.LSB_BJOBS_CONSISTENT_EXIT_CODE?.toUpperCase() === 'Y' ? 255 : 0;
}

/** The submission directory LSF hands over. */
export const SUBMISSION_DIR_VARIABLE = 'LS_SUBCWD' satisfies JobVariable;

/** The leaf name LSF gives the job's tmpdir under its job tmp root: JOBID.tmpdir, JOBID_INDEX.tmpdir for an array element. */
export function jobTmpdirName(id: number, index: number): string {
  return index > 0 ? `${id}_${index}.tmpdir` : `${id}.tmpdir`;
}

/** The job tmpdir's path under ROOT (a root of / gives /NAME). */
export function jobTmpdirIn(root: string, name: string): string {
  return `${root}/${name}`.replace(/^\/\//, '/');
}

/**
 * Host ports the resource request reserves: each `portN=1` (LSF's convention for a port resource),
 * N written without leading zeros.
 */
export function reservedPorts(resourceRequest: string | undefined): number[] {
  const ports = [...(resourceRequest ?? '').matchAll(/\bport(\d{1,5})\s*=\s*1\b/g)]
    .map((m) => m[1]!)
    .filter((digits) => String(Number(digits)) === digits)
    .map(Number);
  return [...new Set(ports)];
}

/** GPUs the job's effective resource request (written by LSF) asks for: the largest ngpus* count. */
export function gpusAsked(effectiveResourceRequest: string | undefined): number {
  const counts = [...(effectiveResourceRequest ?? '').matchAll(/\bngpus\w*\s*=\s*(\d+(?:\.\d+)?)/g)].map(
    (m) => Math.ceil(Number(m[1])),
  );
  return counts.length > 0 ? Math.max(...counts) : 0;
}

/**
 * Variables LSF's own tools inside the container need: an interactive job reports its status to
 * the submitting terminal every second (LSF_NIOS_JOBSTATUS_INTERVAL), so that it ends promptly.
 */
export function schedulerEnvironment(interactive: boolean): Array<[string, string]> {
  return interactive ? [['LSF_NIOS_JOBSTATUS_INTERVAL', '1']] : [];
}

/** Counts this host's slots from LSB_MCPU_HOSTS ("hostA 2 hostB 4") or LSB_HOSTS (one name per slot). */
export function slotsOnHost(env: Readonly<Record<string, string | undefined>>, hostname: string): number {
  const short = (h: string) => h.split('.')[0];
  const mcpu = splitWords(env['LSB_MCPU_HOSTS' satisfies JobVariable]);
  if (mcpu.length >= 2) {
    for (let i = 0; i + 1 < mcpu.length; i += 2) {
      if (short(mcpu[i]!) === short(hostname) && /^\d+$/.test(mcpu[i + 1]!))
        return Math.max(1, Number(mcpu[i + 1]));
    }
    const first = mcpu[1];
    if (first && /^\d+$/.test(first)) return Math.max(1, Number(first));
  }
  const hosts = splitWords(env['LSB_HOSTS' satisfies JobVariable]);
  const mine = hosts.filter((h) => short(h) === short(hostname)).length;
  return Math.max(1, mine || hosts.length || 1);
}
