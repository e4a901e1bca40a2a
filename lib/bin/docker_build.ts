import { dockerBuildMain } from '../programs/docker_build.js';
import { runProgram } from '../programs/program.js';

await runProgram('docker_build', dockerBuildMain);
