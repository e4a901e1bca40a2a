import { decideDockerEsubChecked } from '../esub/image-check.js';
import { runEsub } from '../esub/run.js';

const USAGE = `Usage: esub.docker [--config FILE] [IMAGE]

LSF runs this at bsub -a "docker(IMAGE)": it checks IMAGE (or an admin alias), hands it to the
job as LSB_CONTAINER_IMAGE and selects the docker application profile (job starter docker_run).
When the image's registry answers, the image must exist there, for [images] platform, with your
credentials; with [images] pin_digest the job runs the digest the tag has now
(LSB_CONTAINER_IMAGE_DIGEST). A bad or missing image rejects the job (exit LSB_SUB_ABORT_VALUE,
97); a registry that does not answer is a note.`;

export const esubDockerMain = (
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  stderr?: (text: string) => void,
) => runEsub('esub.docker', USAGE, argv, (input) => decideDockerEsubChecked(input), env, stderr);
