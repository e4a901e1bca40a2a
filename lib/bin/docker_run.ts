import { dockerRunMain } from '../cli/docker_run.js';
import { runProgram } from '../cli/program.js';

await runProgram('docker_run', dockerRunMain);
