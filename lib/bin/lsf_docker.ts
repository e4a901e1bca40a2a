import { lsfDockerMain } from '../programs/lsf_docker.js';
import { runProgram } from '../programs/program.js';

await runProgram('lsf-docker', lsfDockerMain);
