import { esubDockerBuildMain } from '../programs/esub_docker_build.js';
import { runProgram } from '../programs/program.js';

await runProgram('esub.docker_build', esubDockerBuildMain);
