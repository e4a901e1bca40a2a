import { dryRunView, prepareJob } from '../job/prepare.js';
import { usageError } from '../kernel/errors.js';
import { quoteArgv } from '../kernel/quote.js';
import type { Subcommand } from '../kernel/subcommand.js';

const HELP = `Usage: lsf-docker [--config FILE] explain [--] COMMAND...

Shows what docker_run would do with this environment and COMMAND, in words: every policy
decision, the image and pull policy, the exact docker run command line and the generated files.
Runs nothing and writes nothing (docker_run --dry-run gives the same as JSON).`;

export const explainCommand: Subcommand = async (argv, ctx) => {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const command = argv[0] === '--' ? argv.slice(1) : argv;
  if (command.length === 0) throw usageError('explain: no COMMAND given (see lsf-docker explain --help)');
  const job = prepareJob('lsf-docker', ctx.config, command);
  const view = dryRunView(job);
  const out = [
    `config:   ${job.configPath ?? 'built-in defaults (no /etc/lsf-docker/lsf-docker.conf)'}`,
    `user:     ${job.identity.user} (uid ${job.identity.uid}, gid ${job.identity.gid}, groups ${job.identity.groups.join(',') || 'none'})`,
    `image:    ${view.image} (pull policy ${view.pull_policy})`,
    '',
    'decisions:',
    ...view.decisions.map((d) => `  - ${d}`),
    '',
    'docker run:',
    `  ${quoteArgv(view.run)}`,
    '',
    view.files.script !== null
      ? `job script:\n${indent(view.files.script)}`
      : 'job script: none (the image runs its own command or the LSF job file)',
    `/etc/passwd in the container:\n${indent(view.files.passwd)}`,
    `/etc/group in the container:\n${indent(view.files.group)}`,
    `environment (${view.files.env.split('\n').filter(Boolean).length} variables): docker_run --dry-run shows them`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
};

const indent = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `  ${l}`)
    .join('\n');
