import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { PLACE_HOLDER } from '../request/job-request.js';
import type { JobRecord } from './record.js';

/** sudo as the secure deployment's rule expects it: never a password prompt. */
export const SUDO = ['/usr/bin/sudo', '-n'];

/** The job starter's argv for the job's application profile (without sudo), or the plain job's. */
function starterOf(record: JobRecord, config: Config, binDir: string, jobFile: string): string[] {
  const cfg = record.config ? ['--config', record.config] : [];
  if (record.app === 'docker') {
    const starter = config.local.jobStarter ?? join(binDir, 'docker_run');
    const command = record.command.trim() === PLACE_HOLDER ? PLACE_HOLDER : jobFile;
    return [starter, ...cfg, '--', command];
  }
  if (record.app === 'docker_build') return [join(binDir, 'docker_build'), ...cfg, '--', ...record.words];
  // docker_exec(JOBID): the job's command line runs in that job's container (the job id is in
  // LSB_DOCKER_EXEC_JOBID, set by esub.docker_exec); the container cannot see this job's file.
  if (record.app === 'docker_exec') return [join(binDir, 'docker_exec'), ...cfg, '--', record.command];
  // A job script with a #! line of its own runs by it (bsub < script.py), like LSF's job file.
  return record.command.startsWith('#!') ? [jobFile] : ['/bin/sh', jobFile];
}

/** The installed programs `lsf-docker sudo` runs through the rule (lib/run/via-sudo.ts). */
const THROUGH_SUDO_STEP = new Set(['docker_run', 'docker_exec', 'docker_build']);

/**
 * The job starter's argv: with `[local] starter = sudo` a job starter (never a plain job) runs
 * through the installed sudo rule as an LSF sudo-starter line does: `lsf-docker sudo PROGRAM`,
 * the user-side step that carries the job's whole environment across sudo's env_reset. A
 * starter of the admin's own ([local] job_starter) gets `sudo -n` before it.
 */
export function starterArgv(record: JobRecord, config: Config, binDir: string, jobFile: string): string[] {
  const argv = starterOf(record, config, binDir, jobFile);
  if (config.local.starter !== 'sudo' || !record.app) return argv;
  const [program, ...rest] = argv as [string, ...string[]];
  const name = program.slice(binDir.length + 1);
  if (program === join(binDir, name) && THROUGH_SUDO_STEP.has(name))
    return [join(binDir, 'lsf-docker'), 'sudo', name, ...rest];
  return [...SUDO, ...argv];
}

/** The program and argv that start the job: under prlimit when it has a memory limit (RLIMIT_RSS, as LSF's -M). */
export function launchArgv(record: JobRecord, starter: string[]): string[] {
  if (record.memLimit === undefined) return starter;
  return ['prlimit', `--rss=${record.memLimit}`, '--', ...starter];
}
