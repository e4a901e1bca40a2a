import { esubDockerExecMain } from '../cli/esub_docker_exec.js';
import { runProgram } from '../cli/program.js';

await runProgram('esub.docker_exec', esubDockerExecMain);
