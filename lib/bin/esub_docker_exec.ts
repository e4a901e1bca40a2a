import { esubDockerExecMain } from '../programs/esub_docker_exec.js';
import { runProgram } from '../programs/program.js';

await runProgram('esub.docker_exec', esubDockerExecMain);
