import { readFileSync, statfsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../kernel/errors.js';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { DEFAULT_QUEUE } from './bsub-records.js';
import { parseCommand } from './command-args.js';
import { err, type Local, openLocal, out, shortHost } from './context.js';
import { closedBy } from './drain.js';
import { isLocked } from './lock.js';
import { listRecords, pending, running } from './record.js';
import { lockNames } from './resources.js';

/** Columns as LSF lays them out: each padded to its width, a longer value pushing the rest right. */
const table = (header: string[], widths: number[], rows: string[][], right: boolean[]) =>
  `${[header, ...rows]
    .map((cells) =>
      cells
        .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n')}\n`;

/** Slots in use on this host (every user's): the slot locks someone holds. */
function slotsInUse(local: Local): number {
  const dir = join(local.dirs.host, 'locks');
  let n = 0;
  for (let k = 0; k < local.config.local.slots; k++)
    if (lockNames(`slot.${k}`).some((name) => isLocked(join(dir, name)))) n += 1;
  return n;
}

function hostStatus(local: Local, used: number): string {
  if (closedBy(local.dirs, local.uid)) return 'closed_Adm';
  return used >= local.config.local.slots ? 'closed_Full' : 'ok';
}

/** bhosts: this host's slots and jobs (NJOBS/RUN count every user's slots; USUSP yours). */
export const bhosts: Subcommand = async (argv, ctx) => {
  const p = parseCommand('bhosts', argv, { flags: ['-w'], values: [] }, 'Usage: bhosts [-w] [HOST]');
  const local = openLocal(ctx.config, { admin: true });
  if (p.operands.some((h) => h !== shortHost() && h !== 'all')) {
    err(`${p.operands[0]}: Bad host name, host group name or cluster name\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  const used = slotsInUse(local);
  const mine = local.uid === 0 ? [] : listRecords(local.dirs);
  const usersusp = mine.filter((r) => r.status === 'USUSP').reduce((n, r) => n + r.slots, 0);
  const row = [
    shortHost(),
    hostStatus(local, used),
    '-',
    String(local.config.local.slots),
    String(used),
    String(used),
    '0',
    String(usersusp),
    '0',
  ];
  const header = ['HOST_NAME', 'STATUS', 'JL/U', 'MAX', 'NJOBS', 'RUN', 'SSUSP', 'USUSP', 'RSV'];
  out(
    table(
      header,
      [18, 12, 6, 6, 6, 6, 6, 6, 6],
      [row],
      [false, false, true, true, true, true, true, true, true],
    ),
  );
  return Status.OK;
};

/** bqueues: `normal` and every queue your jobs name (the local LSF takes any queue name). */
export const bqueues: Subcommand = async (argv, ctx) => {
  const p = parseCommand(
    'bqueues',
    argv,
    { flags: ['-w'], values: ['-u', '-m'] },
    'Usage: bqueues [-w] [QUEUE ...]',
  );
  if (p.values.has('-m') && p.values.get('-m') !== shortHost())
    throw usageError(`bqueues -m ${p.values.get('-m')}: not this host`);
  const local = openLocal(ctx.config, { admin: true });
  const records = local.uid === 0 ? [] : listRecords(local.dirs);
  const names = [...new Set([DEFAULT_QUEUE, ...records.map((r) => r.queue)])].sort();
  const wanted = p.operands.length ? p.operands : names;
  const unknown = wanted.find((q) => !names.includes(q));
  if (unknown) {
    err(`${unknown}: No such queue\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  const closed = closedBy(local.dirs, local.uid) !== undefined;
  const rows = wanted.map((q) => {
    const jobs = records.filter((r) => r.queue === q);
    const pend = jobs.filter(pending).reduce((n, r) => n + r.slots, 0);
    const run = jobs.filter((r) => r.status === 'RUN').reduce((n, r) => n + r.slots, 0);
    const susp = jobs.filter((r) => running(r) && r.status !== 'RUN').reduce((n, r) => n + r.slots, 0);
    return [
      q,
      '30',
      closed ? 'Open:Inact' : 'Open:Active',
      '-',
      '-',
      '-',
      '-',
      String(pend + run + susp),
      String(pend),
      String(run),
      String(susp),
    ];
  });
  const header = [
    'QUEUE_NAME',
    'PRIO',
    'STATUS',
    'MAX',
    'JL/U',
    'JL/P',
    'JL/H',
    'NJOBS',
    'PEND',
    'RUN',
    'SUSP',
  ];
  const right = [false, true, false, true, true, true, true, true, true, true, true];
  out(table(header, [15, 4, 15, 4, 4, 4, 4, 5, 5, 5, 5], rows, right));
  return Status.OK;
};

const meminfo = (key: string) => {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
const size = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)}G` : `${Math.round(bytes / 1024 / 1024)}M`;

/** lsload: this host's load indices as LSF names them (r15s is the 1-minute average: Linux keeps no 15 s one). */
export const lsload: Subcommand = async (argv, ctx) => {
  parseCommand('lsload', argv, { flags: ['-w'], values: [] }, 'Usage: lsload [-w] [HOST]');
  const local = openLocal(ctx.config, { admin: true });
  const [r1m, , r15m] = loadavg();
  const n = cpus().length || 1;
  const tmp = statfsSync(local.config.paths.tmpRoot);
  const status = closedBy(local.dirs, local.uid) ? 'lockU' : 'ok';
  const row = [
    shortHost(),
    status,
    (r1m! / n).toFixed(1),
    (r1m! / n).toFixed(1),
    (r15m! / n).toFixed(1),
    `${Math.min(100, Math.round((r1m! / n) * 100))}%`,
    '0.0',
    '-',
    '-',
    size(tmp.bavail * tmp.bsize),
    size(meminfo('SwapFree')),
    size(meminfo('MemAvailable')),
  ];
  const header = ['HOST_NAME', 'status', 'r15s', 'r1m', 'r15m', 'ut', 'pg', 'ls', 'it', 'tmp', 'swp', 'mem'];
  const right = [false, true, true, true, true, true, true, true, true, true, true, true];
  out(table(header, [15, 6, 5, 5, 5, 4, 5, 3, 4, 6, 6, 6], [row], right));
  return Status.OK;
};
