import { collectGarbage, gatherFacts, limitsOf } from '../job/image/gc.js';
import { planGc } from '../job/image/gc-plan.js';
import { hostStateDir } from '../job/image/state-dir.js';
import { usageError } from '../kernel/errors.js';
import { ExitCode, Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { imagesContext } from './context.js';
import { gcLines, listLines } from './report.js';

const HELP = `Usage: lsf-docker [--config FILE] images gc [--dry-run]
       lsf-docker [--config FILE] images ls

gc: when the images on this host take more than [images] gc_max_bytes (or their filesystem is
fuller than gc_high_percent), removes images least recently used first (the last job start
recorded here, else when the image arrived) until they take gc_target_bytes (gc_low_percent).
Never an image a container uses (running or stopped), one [images] keep[] names, or one unused
for less than gc_min_age seconds. --dry-run prints what would go and the bytes it would free.
Run it from cron as root; exit 0, or 1 when an image could not be removed.
ls: every image with its size, last use and what protects it from the GC.`;

async function gc(argv: string[], configPath: string | undefined): Promise<number> {
  let dryRun = false;
  for (const word of argv) {
    if (word === '--dry-run' || word === '-n') dryRun = true;
    else throw usageError(`images gc: unknown argument "${word}" (--dry-run)`);
  }
  const { config, log, euid, runtime } = imagesContext(configPath);
  const report = await collectGarbage(runtime, config.images, { dryRun, euid, log });
  for (const line of gcLines(report, dryRun)) process.stdout.write(`${line}\n`);
  for (const p of report.problems) process.stderr.write(`lsf-docker: images gc: ${p}\n`);
  return report.problems.length > 0 ? Status.FAILED : Status.OK;
}

async function ls(argv: string[], configPath: string | undefined): Promise<number> {
  if (argv.length > 0) throw usageError(`images ls: unknown argument "${argv[0]}"`);
  const { config, euid, runtime } = imagesContext(configPath);
  const { dir } = hostStateDir(config.images.stateDir, euid, false);
  const facts = await gatherFacts(runtime, config.images, dir, Date.now());
  for (const line of listLines(planGc(facts, limitsOf(config.images)))) process.stdout.write(`${line}\n`);
  return Status.OK;
}

export const imagesCommand: Subcommand = async (argv, ctx) => {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help')) {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? ExitCode.USAGE : Status.OK;
  }
  if (sub === 'gc') return gc(rest, ctx.config);
  if (sub === 'ls' || sub === 'list') return ls(rest, ctx.config);
  throw usageError(`images: unknown subcommand "${sub}" (gc, ls)`);
};
