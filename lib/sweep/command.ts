import { hostname } from 'node:os';
import { loadConfig } from '../config/load.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { wrapperAlive } from '../host/liveness.js';
import { usageError } from '../kernel/errors.js';
import { createLogger } from '../kernel/log/logger.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { createRuntime } from '../runtime/create.js';
import { slurmLiveness } from '../scheduler/slurm/liveness.js';
import { sweepAll } from './sweep.js';

const HELP = `Usage: lsf-docker [--config FILE] sweep [--dry-run]

Removes what killed wrappers left on this host: containers labelled lsf-docker.managed whose
docker_run process is gone, or whose Slurm job Slurm says has ended (squeue, for the cluster of
[slurm] conf), and their private dirs under [paths] tmp_root. As root: every
user's containers, and the private dirs root owns (those of wrappers run through sudo); a user's
own private dirs are removed by that user's sweep or next job. Otherwise: your own. A container
whose wrapper is alive is never touched.`;

export const sweepCommand: Subcommand = async (argv, ctx) => {
  let dryRun = false;
  for (const word of argv) {
    if (word === '--dry-run' || word === '-n') dryRun = true;
    else if (word === '--help' || word === '-h') {
      process.stdout.write(`${HELP}\n`);
      return 0;
    } else throw usageError(`sweep: unknown argument "${word}"`);
  }
  const euid = process.geteuid!();
  const { config } = loadConfig(ctx.config, { euid });
  const log = createLogger('lsf-docker', config.log.level);
  const asRoot = euid === 0 && process.env.SUDO_UID === undefined;
  const identity = asRoot ? undefined : identityFromOs();
  const runtime = createRuntime({ config, identity, log });
  const { slurm } = config;
  const asked: string[] = [];
  const jobEnded = slurmLiveness(
    { conf: slurm.conf, binDir: slurm.binDir, timeoutSeconds: slurm.timeout },
    (p) => asked.push(p),
  );
  const report = await sweepAll(runtime, {
    tmpRoot: config.paths.tmpRoot,
    host: hostname(),
    uid: identity?.uid,
    selfPid: process.pid,
    isAlive: wrapperAlive,
    jobEnded,
    dryRun,
    orphanAgeMs: 10 * 60 * 1000,
    euid,
  });
  const verb = dryRun ? 'would remove' : 'removed';
  for (const c of report.containers) process.stdout.write(`${verb} container ${c}\n`);
  for (const d of report.dirs) process.stdout.write(`${verb} private dir ${d}\n`);
  for (const k of report.kept) process.stdout.write(`kept container ${k}\n`);
  report.problems.push(...asked);
  for (const p of report.problems) process.stderr.write(`lsf-docker: sweep: ${p}\n`);
  if (report.containers.length + report.dirs.length === 0) process.stdout.write('nothing to sweep\n');
  return report.problems.length > 0 ? 1 : 0;
};
