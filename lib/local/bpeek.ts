import { closeSync, openSync, readSync } from 'node:fs';
import { Status } from '../kernel/exit-codes.js';
import type { Subcommand } from '../kernel/subcommand.js';
import { parseCommand } from './command-args.js';
import { err, openLocal, out, sleep } from './context.js';
import { select, selectionFrom } from './job-select.js';
import { finished, type JobRecord, jobLabel, jobPaths, listRecords, pending, readRecord } from './record.js';

const USAGE = 'Usage: bpeek [-f] [-J NAME] [-q QUEUE] [JOBID | "JOBID[INDEX]"]';
const FOLLOW_MS = 200;

/** Copies what the spool has from OFFSET on to stdout; returns the new offset. */
function copyFrom(path: string, offset: number): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return offset; // no output yet, or delivered to the -o file and removed
  }
  try {
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) return offset;
      out(buf.subarray(0, n).toString('utf8'));
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** bpeek: the output of a running (or the last) job so far; -f follows it until the job ends. */
export const bpeek: Subcommand = async (argv, ctx) => {
  const p = parseCommand('bpeek', argv, { flags: ['-f'], values: ['-J', '-q', '-m'] }, USAGE);
  const local = openLocal(ctx.config);
  const s = selectionFrom(p.operands, { name: p.values.get('-J'), queue: p.values.get('-q') }, local.user);
  const records = listRecords(local.dirs);
  const { chosen, missing } = select(records, s);
  const candidates = s.ids.length || s.name || s.queue ? chosen : chosen.filter((r) => r.status === 'RUN');
  const r: JobRecord | undefined = candidates.at(-1);
  if (!r) {
    err(missing.length ? `Job <${missing[0]}> is not found\n` : 'No unfinished job found\n');
    return Status.LSF_COMMAND_FAILED;
  }
  if (pending(r)) {
    err(`Job <${jobLabel(r)}> : Not yet started.\n`);
    return Status.LSF_COMMAND_FAILED;
  }
  out('<< output from stdout >>\n');
  const paths = jobPaths(local.dirs, r.id, r.index);
  let offset = copyFrom(paths.out, 0);
  if (!p.flags.has('-f')) return Status.OK;
  for (;;) {
    const now = readRecord(paths.record);
    offset = copyFrom(paths.out, offset);
    if (!now || finished(now)) return Status.OK;
    await sleep(FOLLOW_MS);
  }
};
