import { usageError } from '../kernel/errors.js';
import { parseProgramArgs } from '../kernel/program-args.js';
import { dockerRun } from '../run/docker-run.js';

const USAGE = `Usage: docker_run [--config FILE] [--profile NAME] [--dry-run] [--] COMMAND...

Runs an LSF job's COMMAND inside a locked-down container: the job starter of
bsub -a 'docker(IMAGE)'. The image comes from LSB_CONTAINER_IMAGE; the container
is tuned by LSF_DOCKER_* variables within the admin's policy (see docs/).`;

const OPTIONS = {
  'config FILE': 'admin config (default /etc/lsf-docker/lsf-docker.conf)',
  'profile NAME': 'the admin profile ([profile NAME]) every job of this job starter uses',
  'dry-run': 'print the plan as JSON (image, pull, run argv, files) and run nothing',
};

export async function dockerRunMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_run', USAGE, argv, {
    dryRun: true,
    profile: true,
    options: OPTIONS,
  });
  if (args.exit !== undefined) return args.exit;
  if (args.command.length === 0) throw usageError('no COMMAND given (see docker_run --help)');
  return dockerRun({
    configPath: args.config,
    command: args.command,
    dryRun: args.dryRun,
    ...(args.profile !== undefined ? { profile: args.profile } : {}),
  });
}
