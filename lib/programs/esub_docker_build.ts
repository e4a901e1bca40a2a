import { decideBuildEsub } from '../esub/decide.js';
import { runEsub } from '../esub/run.js';

const USAGE = `Usage: esub.docker_build [--config FILE] [TAG]

LSF runs this at bsub -a "docker_build(TAG)": it checks the first tag, hands it to the job as
LSB_DOCKER_BUILD_TAG and selects the docker_build application profile. A bad or missing tag
rejects the job (exit LSB_SUB_ABORT_VALUE, 97); LSB_DOCKER_LOGIN_ONLY=1 needs no tag.`;

export const esubDockerBuildMain = (
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  stderr?: (text: string) => void,
) => runEsub('esub.docker_build', USAGE, argv, decideBuildEsub, env, stderr);
