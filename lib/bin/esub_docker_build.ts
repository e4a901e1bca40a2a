import { esubDockerBuildMain } from '../cli/esub_docker_build.js';
import { runProgram } from '../cli/program.js';

await runProgram('esub.docker_build', esubDockerBuildMain);
