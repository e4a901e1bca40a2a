import { parseProgramArgs } from '../cli/args.js';
import { notBuiltYet, runProgram } from '../cli/program.js';

await runProgram('esub.docker', async (argv) => {
  const args = await parseProgramArgs('esub.docker', 'Usage: esub.docker ...', argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  return notBuiltYet('esub.docker', 'this program');
});
