import { esubDockerMain } from '../cli/esub_docker.js';
import { runProgram } from '../cli/program.js';

await runProgram('esub.docker', esubDockerMain);
