import { basename } from 'node:path';
import { usageError } from '../kernel/errors.js';
import { showWithYargs } from '../kernel/program-args.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { builtinEsubs } from './builtin-esubs.js';

/**
 * `lsf-docker [--config FILE] SUBCOMMAND ...`: the people-facing program. Each subcommand lives
 * in its own module, loaded only when called, and receives the remaining argv and the --config
 * path (which it hands on to the esubs and job starters it runs).
 */

const SUBCOMMANDS: Record<string, { describe: string; load: () => Promise<Subcommand> }> = {
  bsub: {
    describe: 'submit a job to the local LSF emulation',
    load: async () => (await import('../local/bsub.js')).bsub,
  },
  bjobs: { describe: 'show local jobs', load: async () => (await import('../local/bjobs.js')).bjobs },
  bkill: {
    describe: 'signal or kill local jobs (LSF sequence)',
    load: async () => (await import('../local/bkill.js')).bkill,
  },
  bpeek: {
    describe: "show a running job's output so far (-f: follow it)",
    load: async () => (await import('../local/bpeek.js')).bpeek,
  },
  bstop: {
    describe: 'suspend local jobs (USUSP; PSUSP while pending)',
    load: async () => (await import('../local/job-cmds.js')).bstop,
  },
  bresume: {
    describe: 'resume suspended local jobs',
    load: async () => (await import('../local/job-cmds.js')).bresume,
  },
  bmod: {
    describe: "change a pending local job's options",
    load: async () => (await import('../local/bmod.js')).bmod,
  },
  brequeue: {
    describe: 'run finished (or, with -r, running) local jobs again',
    load: async () => (await import('../local/job-cmds.js')).brequeue,
  },
  bwait: {
    describe: 'wait until a dependency condition over your jobs holds',
    load: async () => (await import('../local/job-cmds.js')).bwait,
  },
  bhist: {
    describe: "local jobs' history and time in each state",
    load: async () => (await import('../local/bhist.js')).bhist,
  },
  bqueues: {
    describe: 'the local queues',
    load: async () => (await import('../local/host-cmds.js')).bqueues,
  },
  bhosts: {
    describe: "this host's slots and jobs",
    load: async () => (await import('../local/host-cmds.js')).bhosts,
  },
  lsload: {
    describe: "this host's load",
    load: async () => (await import('../local/host-cmds.js')).lsload,
  },
  badmin: {
    describe: 'hclose / hopen this host',
    load: async () => (await import('../local/badmin.js')).badmin,
  },
  dispatcher: {
    describe: "your jobs' dispatcher on this host (bsub starts it on demand)",
    load: async () => (await import('../local/dispatcher-main.js')).dispatcherCommand,
  },
  sweep: {
    describe: 'remove containers and private dirs left by killed wrappers',
    load: async () => (await import('../sweep/command.js')).sweepCommand,
  },
  sudo: {
    describe: 'run docker_run, docker_exec or docker_build through the sudo rule, with the job environment',
    load: async () => (await import('../run/via-sudo.js')).sudoCommand,
  },
  explain: {
    describe: 'show what docker_run would do with this environment and command',
    load: async () => (await import('../admin/explain.js')).explainCommand,
  },
  doctor: {
    describe: 'check this host: config, identity, daemon, tmp roots, devices (--image IMAGE: an image)',
    load: async () => async (argv, ctx) =>
      argv.some((w) => w === '--image' || w.startsWith('--image='))
        ? (await import('../images/doctor.js')).imageDoctorCommand(argv, ctx)
        : (await import('../admin/doctor.js')).doctorCommand(argv, ctx),
  },
  images: {
    describe: '`images gc [--dry-run]`, `images ls`: the image GC of this host',
    load: async () => (await import('../images/command.js')).imagesCommand,
  },
  config: {
    describe: '`config check [FILE]`: validate an admin config',
    load: async () => (await import('../admin/config-check.js')).configCommand,
  },
};

/**
 * bsub, bjobs, bkill and bpeek go to the local LSF or, with `[scheduler] backend = slurm`, to the
 * Slurm back-end (lib/slurm); the config is read when the subcommand is called.
 */
const viaBackend =
  (name: string, local: () => Promise<Subcommand>): (() => Promise<Subcommand>) =>
  async () => {
    const backend = await import('../slurm/backend.js');
    const routed = (backend.SLURM_SUBCOMMANDS as readonly string[]).includes(name);
    if (!routed) return local();
    return async (argv, ctx) =>
      (backend.slurmSelected(ctx.config)
        ? await backend.slurmSubcommand(name as (typeof backend.SLURM_SUBCOMMANDS)[number])
        : await local())(argv, ctx);
  };

const USAGE = `Usage: lsf-docker [--config FILE] SUBCOMMAND [ARGS...]

Subcommands:
${Object.entries(SUBCOMMANDS)
  .map(([name, s]) => `  ${name.padEnd(8)} ${s.describe}`)
  .join('\n')}`;

/** Run as one of the LSF command names (a link: bsub -> lsf-docker), that name is the subcommand. */
const LINKED = [
  'bsub',
  'bjobs',
  'bkill',
  'bpeek',
  'bhist',
  'bstop',
  'bresume',
  'bqueues',
  'bhosts',
  'lsload',
  'bmod',
  'brequeue',
  'bwait',
  'badmin',
];

export async function lsfDockerMain(argv: string[]): Promise<number> {
  const invoked = basename(process.argv[1] ?? '');
  if (LINKED.includes(invoked)) return (await SUBCOMMANDS[invoked]!.load())(argv, { esubs: builtinEsubs });
  let config: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--config') {
      config = argv[++i];
      if (!config) throw usageError('--config needs a FILE');
    } else if (word.startsWith('--config=')) config = word.slice('--config='.length);
    else if (word === '--help' || word === '-h' || word === '--version') {
      await showWithYargs('lsf-docker', USAGE, word, {
        'config FILE': 'admin config handed to esubs and job starters',
      });
      return 0;
    } else break;
  }
  const name = argv[i];
  if (!name) throw usageError(`no subcommand given\n${USAGE}`);
  const sub = SUBCOMMANDS[name];
  if (!sub) throw usageError(`unknown subcommand "${name}" (one of ${Object.keys(SUBCOMMANDS).join(', ')})`);
  return (await viaBackend(name, sub.load)())(argv.slice(i + 1), { config, esubs: builtinEsubs });
}
