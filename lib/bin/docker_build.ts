import { dockerBuildMain } from '../cli/docker_build.js';
import { runProgram } from '../cli/program.js';

await runProgram('docker_build', dockerBuildMain);
