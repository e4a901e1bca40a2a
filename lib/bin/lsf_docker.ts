import { lsfDockerMain } from '../cli/lsf_docker.js';
import { runProgram } from '../cli/program.js';

await runProgram('lsf-docker', lsfDockerMain);
