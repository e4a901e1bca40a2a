import { dockerRunMain } from '../programs/docker_run.js';
import { runProgram } from '../programs/program.js';

await runProgram('docker_run', dockerRunMain);
