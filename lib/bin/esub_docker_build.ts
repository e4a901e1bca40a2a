import { parseProgramArgs } from '../cli/args.js';
import { notBuiltYet, runProgram } from '../cli/program.js';

await runProgram('esub.docker_build', async (argv) => {
  const args = await parseProgramArgs('esub.docker_build', 'Usage: esub.docker_build ...', argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  return notBuiltYet('esub.docker_build', 'this program');
});
