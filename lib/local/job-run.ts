import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { childProcess } from '../kernel/builtin.js';
import { Status } from '../kernel/exit-codes.js';
import { exitStatus } from '../kernel/signals.js';
import { terminate } from '../scheduler/lsf/terminate.js';
import { cleanUp, type Ending, finishElement, readEnding, spoolTail, TERM } from './job-finish.js';
import {
  type Exit,
  jobEnvOf,
  type Made,
  makeJobFiles,
  type Place,
  placeOf,
  type RunContext,
  spawnStarter,
} from './job-start.js';
import { removeLeftoverContainers } from './leftovers.js';
import type { HeldLock } from './lock.js';
import { sendMail } from './mail.js';
import { type JobRecord, jobPaths, updateRecord } from './record.js';
import { renderOutputFile } from './report.js';
import type { Allocation } from './resources.js';
import { takeTermNote } from './term-note.js';
import { UsageSampler } from './usage.js';

/** What bkill, bstop, bresume and brequeue ask of a running element (the kill request file's text). */
export type Control = 'TERMINATE' | 'FORCE' | 'REQUEUE' | 'STOP' | 'CONT' | `SIG${string}`;

/** How the element's run ended for the dispatcher: finished (recorded), or back to pending. */
export type Outcome = { finished: JobRecord } | { requeued: JobRecord };

/**
 * One dispatched element, from RUN to its recorded end, like sbatchd: the job files, the pre-exec
 * (-E), the job starter in its own session (the job's process group), the run limit (-W), the
 * controls bkill/bstop/bresume send, the post-exec (-Ep), the -o file and the end record. The
 * dispatcher (or bsub -I) holds LOCKS until DONE resolves.
 */
export class ElementRun {
  record: JobRecord;
  readonly done: Promise<Outcome>;
  private child?: ChildProcess;
  private term?: string;
  private requeue = false;
  private ended = false;
  private readonly place: Place;
  private readonly made: Made = { opened: [], jobFile: false };
  private sampler?: UsageSampler;

  constructor(
    record: JobRecord,
    private readonly config: Config,
    private readonly ctx: RunContext,
    private readonly locks: HeldLock[],
    private readonly allocation: Allocation,
  ) {
    this.record = record;
    this.place = placeOf(record, config);
    this.done = this.run();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Carries out a control request (see Control). */
  control(request: Control): void {
    if (this.ended) return;
    if (request === 'TERMINATE') this.terminate(TERM.owner);
    else if (request === 'FORCE') this.kill('SIGKILL', TERM.forceOwner);
    else if (request === 'REQUEUE') {
      this.requeue = true;
      this.terminate(TERM.requeueOwner);
    } else if (request === 'STOP' || request === 'SIGSTOP' || request === 'SIGTSTP') this.suspend();
    else if (request === 'CONT' || request === 'SIGCONT') this.resume();
    else this.kill(request, request === 'SIGKILL' ? TERM.owner : undefined);
  }

  /** LSF's terminate sequence to the job's process group, once; TERM names why. */
  terminate(term: string): void {
    if (this.term && this.term !== TERM.requeueOwner) return;
    this.term ??= term;
    void terminate(
      (s) => this.send(s),
      this.config.job.terminateInterval,
      () => this.ended,
    );
  }

  private kill(signal: string, term?: string): void {
    if (term) this.term ??= term;
    this.send(signal);
  }

  /** A signal to the job's process group (batch) or to the starter (interactive: our group). */
  private send(signal: string): void {
    const pid = this.child?.pid;
    if (!pid || this.ended) return;
    try {
      process.kill(this.ctx.interactive ? pid : -pid, signal as NodeJS.Signals);
    } catch {
      // already gone
    }
  }

  /** bstop: docker jobs get SIGTSTP (docker_run pauses the container); plain jobs SIGSTOP. */
  private suspend(): void {
    if (this.record.status !== 'RUN') return;
    this.send(this.record.app ? 'SIGTSTP' : 'SIGSTOP');
    this.update({ status: 'USUSP' }, 'Suspended by the user or administrator');
  }

  private resume(): void {
    if (this.record.status !== 'USUSP' && this.record.status !== 'SSUSP') return;
    this.send('SIGCONT');
    this.update({ status: 'RUN' }, 'Running');
  }

  private update(change: Partial<JobRecord>, event?: string | string[]): void {
    this.record = updateRecord(this.ctx.dirs, this.record.id, this.record.index, change, event);
  }

  private async run(): Promise<Outcome> {
    const made = this.makeFiles();
    let ending: Ending;
    try {
      if (made instanceof Error) throw made;
      const env = jobEnvOf(this.ctx, this.record, this.place, this.allocation);
      const pre = await this.preExec(env);
      if (pre !== undefined) return this.afterPreExecFailure(pre);
      this.mail('begin');
      ending = await this.runStarter(env);
      if (this.record.postExec)
        await this.hook(this.record.postExec, { ...env, LSB_JOBEXIT_STAT: String(ending.status << 8) });
    } catch (err) {
      ending = { status: Status.NOT_FOUND, failure: `job could not start: ${(err as Error).message}` };
      process.stderr.write(`lsf-docker: job ${this.record.id}: ${ending.failure}\n`);
    }
    this.ended = true;
    if (this.requeue) return this.backToPending('Requeued by the user (brequeue)');
    const usage = this.sampler?.stop();
    const finished = finishElement(this.ctx.dirs, this.record, ending, {
      place: this.place,
      made: this.made,
      usage,
      interactive: this.ctx.interactive,
    });
    this.mail('end', finished);
    return { finished };
  }

  /**
   * The job files (its tmpdir, the job file), then the record RUN with them, in one write (each
   * is a rename on the dispatcher's path between two jobs): the record says RUN before anything
   * starts, so that a dispatcher that dies from here on never starts the element again. The
   * files' failure, when they could not be made, for the run to report.
   */
  private makeFiles(): Error | undefined {
    let moved: string | undefined;
    let failure: Error | undefined;
    try {
      moved = makeJobFiles(this.record, this.place, this.made);
    } catch (err) {
      failure = err as Error;
    }
    const dispatched = `Dispatched ${this.record.slots} Task(s) on Host(s) <${this.place.host}>`;
    this.update(
      {
        status: 'RUN',
        startTime: Date.now(),
        execHost: this.place.host,
        pendReason: undefined,
        jobFile: this.place.jobFile,
        ...(failure ? {} : { tmpdir: this.place.tmpdir }),
      },
      moved ? [dispatched, `Job tmpdir moved: ${moved}`] : dispatched,
    );
    return failure;
  }

  /** bsub -B and -N: a note when the job starts, the job report when it ends. */
  private mail(when: 'begin' | 'end', finished?: JobRecord): void {
    const m = this.record.mail;
    if (!m?.user || (when === 'begin' ? !m.begin : !m.end)) return;
    const label = this.record.index > 0 ? `${this.record.id}[${this.record.index}]` : String(this.record.id);
    if (when === 'begin')
      sendMail(m.user, `Job ${label}: <${this.record.name}> was dispatched to <${this.place.host}>`, '');
    else if (finished)
      sendMail(
        m.user,
        `Job ${label}: <${this.record.name}> ${finished.status === 'DONE' ? 'Done' : 'Exited'}`,
        renderOutputFile(finished, '', undefined),
      );
  }

  private async runStarter(env: Record<string, string>): Promise<Ending> {
    const started = spawnStarter(this.record, this.config, this.ctx, this.place, env, this.locks, this.made);
    this.child = started.child;
    if (started.child.pid) {
      this.update({ jobPid: started.child.pid });
      this.sampler = new UsageSampler(started.child.pid, this.record);
      this.sampler.start();
    }
    const limit = this.record.runLimit;
    const timer = limit ? setTimeout(() => this.terminate(TERM.runLimit), limit * 1000) : undefined;
    const exit: Exit = await started.exited;
    if (timer) clearTimeout(timer);
    if (exit.error)
      process.stderr.write(`lsf-docker: cannot start ${started.argv[0]}: ${exit.error.message}\n`);
    const status = exitStatus(exit.code, exit.signal);
    const paths = jobPaths(this.ctx.dirs, this.record.id, this.record.index);
    const said = readEnding(`${spoolTail(paths.errSpool)}\n${spoolTail(paths.out)}`, status);
    // A dispatcher that took over (a new install) ended it for a bkill: its reason, as our own.
    const noted = takeTermNote(this.ctx.dirs, this.record.id, this.record.index);
    if (this.term ?? noted) await removeLeftoverContainers(this.config, this.record);
    const term = this.term ?? noted ?? said.term;
    const failure = exit.error ? `cannot start ${started.argv[0]}: ${exit.error.message}` : said.failure;
    return { status, term, failure };
  }

  /** -E: runs before the job; undefined when it succeeded (or there is none), else its status. */
  private async preExec(env: Record<string, string>): Promise<number | undefined> {
    if (!this.record.preExec) return undefined;
    const status = await this.hook(this.record.preExec, env);
    return status === 0 ? undefined : status;
  }

  /** A pre- or post-exec command line, by /bin/sh as the user, its output in the job's spool. */
  private hook(command: string, env: Record<string, string>): Promise<number> {
    const spool = this.ctx.interactive
      ? undefined
      : openSync(jobPaths(this.ctx.dirs, this.record.id, this.record.index).out, 'a', 0o600);
    const out = spool ?? 'inherit';
    return new Promise<number>((res) => {
      const child = childProcess().spawn('/bin/sh', ['-c', command], {
        cwd: this.place.cwd,
        env,
        stdio: ['ignore', out, out],
        detached: !this.ctx.interactive,
      });
      child.on('error', () => res(Status.NOT_FOUND));
      child.on('exit', (code, signal) => res(exitStatus(code, signal)));
    }).finally(() => spool !== undefined && closeSync(spool));
  }

  /** A failed pre-exec: the job pends again, as LSF requeues it, until [local] pre_exec_retries. */
  private afterPreExecFailure(status: number): Outcome {
    this.ended = true;
    const failures = (this.record.preExecFailures ?? 0) + 1;
    if (failures <= this.config.local.preExecRetries) {
      this.record = { ...this.record, preExecFailures: failures };
      return this.backToPending(`Pre-execution command exited with ${status}; pending again`);
    }
    const finished = finishElement(
      this.ctx.dirs,
      this.record,
      { status, term: TERM.preExec, failure: `the pre-execution command (-E) exited with ${status}` },
      { place: this.place, made: this.made, interactive: this.ctx.interactive },
    );
    return { finished };
  }

  private backToPending(event: string): Outcome {
    cleanUp(this.made, this.place, jobPaths(this.ctx.dirs, this.record.id, this.record.index).kill);
    this.update(
      {
        status: 'PEND',
        startTime: undefined,
        execHost: undefined,
        jobPid: undefined,
        preExecFailures: this.record.preExecFailures,
      },
      event,
    );
    return { requeued: this.record };
  }
}
