import { dockerExec } from '../exec/docker-exec.js';
import { parseProgramArgs } from '../kernel/program-args.js';

const USAGE = `Usage: docker_exec [--config FILE] JOBID[[INDEX]] [--] COMMAND...

Runs COMMAND inside the container of your running job JOBID (RIS's docker_exec(JOBID)), as you
(uid:gid), with your environment under the same rules as docker_run. One COMMAND word is shell
text run by /bin/sh in the container; several are run as they are. As a job starter the job id
may come from LSB_DOCKER_EXEC_JOBID instead. Another user's job is refused.`;

export async function dockerExecMain(argv: string[]): Promise<number> {
  const args = await parseProgramArgs('docker_exec', USAGE, argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  return dockerExec({ configPath: args.config, argv: args.command });
}
