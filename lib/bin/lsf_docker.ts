import { parseProgramArgs } from '../cli/args.js';
import { notBuiltYet, runProgram } from '../cli/program.js';

await runProgram('lsf-docker', async (argv) => {
  const args = await parseProgramArgs('lsf-docker', 'Usage: lsf-docker ...', argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  return notBuiltYet('lsf-docker', 'this program');
});
