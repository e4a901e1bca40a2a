import { decideDockerEsubChecked } from '../esub/image-check.js';
import { runEsub } from '../esub/run.js';

const USAGE = `Usage: esub.docker [--config FILE] [IMAGE]

LSF runs this at bsub -a "docker(IMAGE)": it checks IMAGE (or an admin alias), hands it to the
job as LSB_CONTAINER_IMAGE and selects the docker application profile (job starter docker_run).
A bad or missing image rejects the job (exit LSB_SUB_ABORT_VALUE, 97).`;

export const esubDockerMain = (argv: string[]) =>
  runEsub('esub.docker', USAGE, argv, (input) => decideDockerEsubChecked(input));
