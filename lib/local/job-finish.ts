import { closeSync, readFileSync, rmSync } from 'node:fs';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Made, Place } from './job-start.js';
import { deliverOutput } from './output.js';
import { type JobRecord, jobPaths, type Usage, updateRecord } from './record.js';

/** LSF's termination reasons, as the -o file and bjobs -l write them. */
export const TERM = {
  owner: 'TERM_OWNER: job killed by owner.',
  forceOwner: 'TERM_FORCE_OWNER: job killed by owner without time for cleanup.',
  admin: 'TERM_ADMIN: job killed by root or LSF administrator.',
  runLimit: 'TERM_RUNLIMIT: job killed after reaching LSF run time limit.',
  memLimit: 'TERM_MEMLIMIT: job killed after reaching LSF memory usage limit.',
  preExec: 'TERM_PREEXEC_FAIL: job killed after its pre-execution command failed.',
  requeueOwner: 'TERM_REQUEUE_OWNER: job killed and requeued by owner.',
  unknown: 'TERM_UNKNOWN: LSF cannot determine a termination reason.',
} as const;

/** How an element ended, as the dispatcher saw it. */
export interface Ending {
  status: number;
  /** The TERM_ line when something other than the job itself ended it. */
  term?: string;
  /** A failure to start, or the job starter's own one-line refusal. */
  failure?: string;
}

/** The job starters' names, as their one-line errors begin. */
const STARTER_LINE = /^(docker_run|docker_build|docker_exec|esub\.[\w.]+): (.+)$/;
const OOM_LINE = /^docker_run: job killed: out of memory/;
const WRAPPER_BAND = (s: number) => s >= 210 && s <= 229;

/**
 * What the spool says about how the job ended: the job starter's own error line when its status
 * is one of the wrapper's codes (210-229), and TERM_MEMLIMIT for docker_run's out-of-memory line.
 * Pure over the spool's text.
 */
export function readEnding(spool: string, status: number): Pick<Ending, 'term' | 'failure'> {
  const lines = spool.split('\n');
  if (status === ExitCode.OOM_KILLED && lines.some((l) => OOM_LINE.test(l))) return { term: TERM.memLimit };
  if (!WRAPPER_BAND(status)) return {};
  const line = [...lines].reverse().find((l) => STARTER_LINE.test(l));
  return line ? { failure: line } : {};
}

/** The tail of a spool file (what readEnding needs), or '' when there is none. */
export function spoolTail(path: string, bytes = 16_384): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > bytes ? text.slice(-bytes) : text;
  } catch {
    return '';
  }
}

/**
 * Records the end of an element: the -o/-e files are complete before the record says DONE or EXIT
 * (bsub -K and bjobs readers may look at them the moment it does), then the files the run made are
 * removed (only those). Never throws: the end must be recorded.
 */
export function finishElement(
  dirs: { user: string },
  record: JobRecord,
  ending: Ending,
  ctx: { place?: Place; made?: Made; usage?: Usage; interactive: boolean },
): JobRecord {
  const paths = jobPaths(dirs, record.id, record.index);
  const finished: Partial<JobRecord> = {
    status: ending.status === 0 ? 'DONE' : 'EXIT',
    endTime: Date.now(),
    exitCode: ending.status,
    exitReason: ending.term,
    failure: ending.failure ?? record.failure,
    usage: ctx.usage ?? record.usage,
  };
  if (ctx.made) cleanUp(ctx.made, ctx.place, paths.kill);
  if (!ctx.interactive && ctx.place)
    deliverOutput({ ...record, ...finished }, paths, ctx.place.outFile, ctx.place.errFile);
  const event = finished.status === 'DONE' ? 'Done successfully' : `Exited with exit code ${ending.status}`;
  try {
    return updateRecord(dirs, record.id, record.index, finished, event);
  } catch (err) {
    process.stderr.write(`lsf-docker: job ${record.id}: cannot record its end: ${(err as Error).message}\n`);
    return { ...record, ...finished };
  }
}

/** Removes only what the run made; each failure is reported on the dispatcher's log. */
export function cleanUp(made: Made, place: Place | undefined, killFile: string): void {
  for (const fd of made.opened) quietly(() => closeSync(fd));
  made.opened = [];
  if (made.tmpdir) quietly(() => rmSync(made.tmpdir!, { recursive: true, force: true }));
  if (made.jobFile && place) quietly(() => rmSync(place.jobFile, { force: true }));
  quietly(() => rmSync(killFile, { force: true }));
}

function quietly(step: () => void): void {
  try {
    step();
  } catch (err) {
    process.stderr.write(`lsf-docker: cleanup: ${(err as Error).message}\n`);
  }
}
