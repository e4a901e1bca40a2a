import { join } from 'node:path';
import { terminate } from '../scheduler/lsf/terminate.js';
import type { Local } from './context.js';
import { controlPending, jobAlive, takeControl } from './controls.js';
import { TERM } from './job-finish.js';
import type { ElementRun } from './job-run.js';
import { type JobRecord, pending, running, updateRecord } from './record.js';
import { takeTermNote, writeTermNote } from './term-note.js';

/** A running element found after a restart: its job lives on, but this dispatcher is not its parent. */
export interface Adopted {
  record: JobRecord;
  term?: string;
}

/** What these functions need of the dispatcher. */
export interface Dispatcher {
  readonly local: Local;
  readonly runs: Map<string, { run: ElementRun }>;
  readonly adopted: Map<string, Adopted>;
  wake(): void;
}

const KILL_FILE = /^(\d+)\.(\d+)\.kill$/;

/** Carries out the control requests (bkill, bstop, bresume, brequeue) waiting in the jobs dir. */
export function handleControls(d: Dispatcher, records: JobRecord[], others: string[]): void {
  const byKey = new Map(records.map((r) => [`${r.id}.${r.index}`, r]));
  for (const name of others) {
    const m = KILL_FILE.exec(name);
    if (!m) continue;
    const key = `${m[1]}.${m[2]}`;
    const path = join(d.local.dirs.user, 'jobs', name);
    const run = d.runs.get(key);
    if (run) {
      const control = takeControl(path);
      if (control) run.run.control(control);
      continue;
    }
    const r = byKey.get(key);
    if (!r || r.interactive) continue; // an interactive job's bsub reads its own requests
    const adopted = d.adopted.get(key);
    if (adopted) {
      const control = takeControl(path);
      if (control) controlAdopted(d, adopted, control);
    } else if (pending(r)) {
      const control = takeControl(path);
      if (control && controlPending(d.local.dirs, r, control) === 'busy') {
        // being started right now: ask again on the next turn, when it runs
        setTimeout(() => d.wake(), 50);
      }
    } else if (!running(r)) takeControl(path);
  }
}

/** Signals the process group of an adopted job (its lock proves it still lives). */
function controlAdopted(d: Dispatcher, a: Adopted, control: string): void {
  const pid = a.record.jobPid;
  if (!pid || !jobAlive(d.local.dirs, a.record)) return;
  const send = (signal: string) => {
    try {
      process.kill(-pid, signal as NodeJS.Signals);
    } catch {
      // gone
    }
  };
  // Why it ends, for this dispatcher's record of a lost run and for a live parent's -o file (one
  // that handed over to this dispatcher and still waits for the job).
  const ending = (term: string) => {
    a.term ??= term;
    writeTermNote(d.local.dirs, a.record.id, a.record.index, a.term);
  };
  if (control === 'STOP') send(a.record.app ? 'SIGTSTP' : 'SIGSTOP');
  else if (control === 'CONT') send('SIGCONT');
  else if (control === 'FORCE' || control === 'SIGKILL') {
    ending(TERM.owner);
    send('SIGKILL');
  } else if (control.startsWith('SIG')) send(control);
  else {
    ending(TERM.owner);
    void terminate(send, d.local.config.job.terminateInterval, () => !jobAlive(d.local.dirs, a.record));
  }
}

const UNKNOWN_END = 'the dispatcher was not running when the job ended: its exit status is unknown';

/**
 * Running elements this dispatcher did not start (it was restarted, or the host rebooted): a job
 * that still holds its lock is adopted (watched once a second); one that does not ended unseen and
 * is recorded EXIT. An interactive element whose bsub is gone ended with it. True while any is
 * adopted (the dispatcher then polls).
 */
export function adoptOrphans(d: Dispatcher, records: JobRecord[]): boolean {
  for (const r of records) {
    const key = `${r.id}.${r.index}`;
    if (d.runs.has(key)) continue;
    const interactive = r.interactive && (pending(r) || running(r));
    if (!interactive && !running(r)) {
      // Ended, and recorded by the dispatcher that started it (one that handed over to this one).
      d.adopted.delete(key);
      continue;
    }
    const adopted = d.adopted.get(key);
    if (jobAlive(d.local.dirs, r)) {
      if (!interactive && !adopted) d.adopted.set(key, { record: r });
      continue;
    }
    d.adopted.delete(key);
    takeTermNote(d.local.dirs, r.id, r.index); // no parent left to read it
    if (r.rerunnable && !interactive && !adopted?.term) {
      updateRecord(
        d.local.dirs,
        r.id,
        r.index,
        { status: 'PEND', startTime: undefined, execHost: undefined, jobPid: undefined },
        'Requeued: its run was lost with its dispatcher (rerunnable job)',
      );
      continue;
    }
    const reason = interactive ? 'the submitting bsub ended' : UNKNOWN_END;
    updateRecord(
      d.local.dirs,
      r.id,
      r.index,
      {
        status: 'EXIT',
        endTime: Date.now(),
        exitReason: adopted?.term ?? TERM.unknown,
        failure: reason,
        pendReason: undefined,
      },
      `Exited: ${reason}`,
    );
  }
  return d.adopted.size > 0;
}
