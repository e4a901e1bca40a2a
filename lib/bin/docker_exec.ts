import { parseProgramArgs } from '../cli/args.js';
import { notBuiltYet, runProgram } from '../cli/program.js';

await runProgram('docker_exec', async (argv) => {
  const args = await parseProgramArgs('docker_exec', 'Usage: docker_exec ...', argv, {
    options: { 'config FILE': 'admin config' },
  });
  if (args.exit !== undefined) return args.exit;
  return notBuiltYet('docker_exec', 'this program');
});
