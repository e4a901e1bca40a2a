import { parseProgramArgs } from '../cli/args.js';
import { notBuiltYet, runProgram } from '../cli/program.js';

await runProgram('docker_build', async (argv) => {
  const args = await parseProgramArgs(
    'docker_build',
    'Usage: docker_build [--config FILE] [--] [docker build options] CONTEXT\n\nBuilds an image as an LSF job and pushes every tag.',
    argv,
    { options: { 'config FILE': 'admin config' } },
  );
  if (args.exit !== undefined) return args.exit;
  return notBuiltYet('docker_build', 'building images');
});
