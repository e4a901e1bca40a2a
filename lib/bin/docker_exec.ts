import { dockerExecMain } from '../programs/docker_exec.js';
import { runProgram } from '../programs/program.js';

await runProgram('docker_exec', dockerExecMain);
