import { esubDockerMain } from '../programs/esub_docker.js';
import { runProgram } from '../programs/program.js';

await runProgram('esub.docker', esubDockerMain);
