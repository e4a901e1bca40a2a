import { describeProfile } from '../config/profiles/describe.js';
import { dryRunView, prepareJob } from '../job/prepare.js';
import { usageError } from '../kernel/errors.js';
import { quoteArgv } from '../kernel/quote.js';
import type { Subcommand } from '../kernel/subcommand.js';

const HELP = `Usage: lsf-docker [--config FILE] explain [--profile NAME] [--] COMMAND...

Shows what docker_run would do with this environment and COMMAND, in words: the profile that
applied (LSF_DOCKER_PROFILE, or --profile as a job starter line would fix it) and what it
widened, every policy decision, the image and pull policy, the exact docker run command line and
the generated files. Runs nothing and writes nothing (docker_run --dry-run gives the same as JSON).`;

/** --profile NAME (or --profile=NAME) before the command, as docker_run takes it. */
function profileOption(argv: string[]): { profile?: string; rest: string[] } {
  const [first, second] = argv;
  if (first === '--profile') {
    if (second === undefined) throw usageError('explain: --profile needs a NAME');
    return { profile: second, rest: argv.slice(2) };
  }
  if (first?.startsWith('--profile='))
    return { profile: first.slice('--profile='.length), rest: argv.slice(1) };
  return { rest: argv };
}

export const explainCommand: Subcommand = async (argv, ctx) => {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const { profile, rest } = profileOption(argv);
  const command = rest[0] === '--' ? rest.slice(1) : rest;
  if (command.length === 0) throw usageError('explain: no COMMAND given (see lsf-docker explain --help)');
  const job = prepareJob('lsf-docker', ctx.config, command, process.env, profile);
  const view = dryRunView(job);
  const out = [
    `config:   ${job.configPath ?? 'built-in defaults (no /etc/lsf-docker/lsf-docker.conf)'}`,
    `user:     ${job.identity.user} (uid ${job.identity.uid}, gid ${job.identity.gid}, groups ${job.identity.groups.join(',') || 'none'})`,
    ...describeProfile(job.profile),
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
