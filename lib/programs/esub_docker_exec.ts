import { decideExecEsub } from '../esub/decide.js';
import { runEsub } from '../esub/run.js';

const USAGE = `Usage: esub.docker_exec [--config FILE] [JOBID]

LSF runs this at bsub -a "docker_exec(JOBID)": it checks JOBID (123 or 123[4]), hands it to the
job as LSB_DOCKER_EXEC_JOBID and selects the docker_exec application profile, whose job starter
runs the job's command inside that running job's container (only for the job's own user).
A missing or malformed JOBID rejects the job (exit LSB_SUB_ABORT_VALUE, 97).`;

export const esubDockerExecMain = (
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  stderr?: (text: string) => void,
) => runEsub('esub.docker_exec', USAGE, argv, decideExecEsub, env, stderr);
