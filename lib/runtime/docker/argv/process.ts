import type { ArgvSection } from './section.js';

/**
 * An init as pid 1 (it reaps and forwards signals: to the job's whole process group, as LSF
 * signals a job, through tini's TINI_KILL_PROCESS_GROUP, which docker's --init reads from the
 * container's environment; so the first SIGINT ends a shell job's children too), the pids limit, no signal proxy (the wrapper
 * relays signals through the daemon), stdin and a terminal when the job has them.
 */
export const processArgs: ArgvSection = ({ process, resources }) => {
  const a: string[] = [];
  if (process.init) a.push('--init', '--env=TINI_KILL_PROCESS_GROUP=1');
  a.push(`--pids-limit=${resources.pidsLimit}`, '--sig-proxy=false');
  if (process.interactive) a.push('--interactive');
  if (process.tty) a.push('--tty');
  return a;
};

/** The env-file, the entrypoint, then the image and the command after it. */
export const commandArgs: ArgvSection = ({ image, process }, files) => {
  const a = [`--env-file=${files.env}`];
  if (process.entrypoint !== undefined) a.push(`--entrypoint=${process.entrypoint}`);
  a.push('--', image.ref, ...process.command);
  return a;
};
