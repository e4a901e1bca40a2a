/**
 * The environments around a submission: the job's (--export-file, without Slurm's own input
 * variables) and sbatch's own (nothing it would read as an option). Pure.
 */

/** Variables sbatch/srun read as options or that Slurm owns: never in a job's exported environment. */
export const SLURM_INPUT_VARIABLE = /^(SLURM_|SBATCH_|SRUN_|SALLOC_|SLURMD_|PMI_|PMIX_)/;

/** The job's environment for --export-file: the submitted variables without Slurm's own. */
export function exportEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || SLURM_INPUT_VARIABLE.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** --export-file's format: NAME=value, each followed by a NUL. A NUL or = in a name, or a NUL in a value, cannot be carried. */
export function renderExportFile(env: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [k, v] of Object.entries(env)) {
    if (k === '' || /[=\0]/.test(k))
      throw new RangeError(`environment variable name ${JSON.stringify(k)} cannot be exported`);
    if (v.includes('\0')) throw new RangeError(`environment variable ${k} contains a NUL`);
    out += `${k}=${v}\0`;
  }
  return out;
}

/** The environment sbatch itself runs with: nothing it would read as an option, and SLURM_CONF. */
export function sbatchProcessEnv(
  env: Readonly<Record<string, string | undefined>>,
  slurmConf: string,
): Record<string, string> {
  const out: Record<string, string> = { SLURM_CONF: slurmConf };
  for (const k of ['PATH', 'LANG', 'LC_ALL', 'HOME', 'TZ']) if (env[k] !== undefined) out[k] = env[k]!;
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return out;
}

/** sbatch --parsable's stdout: "JOBID" or "JOBID;CLUSTER" -> the id, or undefined. */
export function parseSbatchParsable(stdout: string): { jobId: number; cluster?: string } | undefined {
  const m = /^(\d{1,19})(?:;([A-Za-z0-9_.-]+))?\s*$/.exec(stdout.trim());
  if (!m) return undefined;
  return { jobId: Number(m[1]), cluster: m[2] };
}
