import { dockerExecMain } from '../cli/docker_exec.js';
import { runProgram } from '../cli/program.js';

await runProgram('docker_exec', dockerExecMain);
