import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { hostGpuIndexes } from '../host/gpus.js';
import type { SubcommandContext } from '../kernel/subcommand.js';
import { ConfigCache } from './config-cache.js';
import { binDir, type Local } from './context.js';
import { type Candidate, nextBeginTime, planDispatch, REASONS } from './dispatch-plan.js';
import { type Adopted, adoptOrphans, handleControls } from './dispatcher-controls.js';
import { closedBy } from './drain.js';
import { InstallWatch } from './install-watch.js';
import { ElementRun } from './job-run.js';
import { type HeldLock, release, tryLock } from './lock.js';
import { notePendReason } from './pend-reason.js';
import { type JobRecord, jobPaths, pending, RecordCache, readRecord, running } from './record.js';
import { lsfTime } from './report.js';
import { type Allocation, allocate, allocated, releaseAll } from './resources.js';
import { listenForSubmissions } from './submit-server.js';
import { ensureDispatcher, listenForWakes } from './wake.js';

/** What the dispatcher tells its command (dispatcher-main.ts) about leaving. */
export interface Leaving {
  /** Nothing to do for [local] dispatcher_idle seconds (or its user dir is gone). */
  idle(): void;
  /** A new install was seen: it stopped listening and dispatching; the next dispatcher takes over. */
  handOver(): void;
  /** After a hand-over, its last own job ended. */
  drained(): void;
}

/** One element this dispatcher started. */
export interface Run {
  run: ElementRun;
  lock: HeldLock;
  allocation: Allocation;
}

const POLL_MS = 1000;
/** The longest a dispatcher goes without looking at every record (see wake). */
const FULL_EVERY_MS = 5000;

/**
 * The user's dispatcher on this host (one per user dir, held by dispatcher.lock): pending jobs are
 * records; on every wake-up (bsub, bkill, a job's end) it looks at them and starts what the host
 * can take, at once. A running job costs its job starter only: the dispatcher is its parent, and
 * one process for all the user's jobs. It polls (once a second) only for what no event announces:
 * slots held by other users' jobs, a closed host, a begin time, jobs it adopted after a restart.
 */
export class Dispatcher {
  readonly runs = new Map<string, Run>();
  readonly adopted = new Map<string, Adopted>();
  private readonly cache: RecordCache;
  private config: Config;
  private queued = false;
  private full = true;
  private fullAt = 0;
  private timer?: NodeJS.Timeout;
  private idleSince?: number;
  private stopListening?: () => void;

  private listening = false;
  /** Set at a hand-over: no more turns; it leaves when the jobs it started have ended. */
  private handingOver = false;

  /**
   * CTX (the dispatcher command's): with it, plain bsubs come in on the submit socket too.
   * INSTALL: the files of the running program, watched for an upgrade (none: not watched).
   */
  constructor(
    readonly local: Local,
    private readonly leaving: Leaving,
    private readonly ctx?: SubcommandContext,
    private readonly install = new InstallWatch([]),
  ) {
    this.cache = new RecordCache(local.dirs);
    this.config = local.config;
  }

  start(): void {
    const stopWakes = listenForWakes(this.local.dirs, () => this.wake());
    const ctx = this.ctx;
    // A bsub served while this dispatcher was leaving wakes (or starts) the next one.
    const wake = () =>
      this.listening ? this.wake() : ensureDispatcher(this.local.dirs, ctx?.config, this.local.home);
    const current = () => !this.handingOver && !this.install.replaced();
    const stopSubmits = ctx && listenForSubmissions({ local: this.local, ctx, wake, current });
    this.listening = true;
    this.stopListening = () => {
      this.listening = false;
      stopWakes();
      stopSubmits?.();
    };
    this.wake();
  }

  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  /**
   * Asks for a turn soon (coalesced: one turn for a burst of wake-ups). FULL (the default): a look
   * at every record and request file; not FULL (one of this dispatcher's jobs ended): at the
   * running and pending jobs only (RecordCache.refresh), at most FULL_EVERY_MS after a full one.
   */
  wake(full = true): void {
    if (this.handingOver) {
      if (this.runs.size === 0) this.leaving.drained();
      return;
    }
    this.full ||= full;
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      try {
        if (!existsSync(join(this.local.dirs.user, 'jobs'))) {
          this.stopListening?.();
          this.leaving.idle(); // its user dir is gone: nothing left to dispatch
          return;
        }
        this.turn();
      } catch (err) {
        process.stderr.write(`lsf-docker dispatcher: ${(err as Error).stack ?? err}\n`);
        this.schedule(POLL_MS);
      }
    });
  }

  private readonly configs = new ConfigCache();

  private reloadConfig(): void {
    this.config = this.configs.at(this.local.configPath) ?? this.config;
  }

  /** A job runs under the config it was submitted with (bsub --config), as its job starter does. */
  private configOf(r: JobRecord): Config {
    return r.config === this.local.configPath ? this.config : (this.configs.at(r.config) ?? this.config);
  }

  /** One look at every record: controls, orphans, then dispatch. */
  turn(): void {
    this.reloadConfig();
    const full = this.full || Date.now() - this.fullAt > FULL_EVERY_MS;
    if (full && this.install.replaced()) {
      this.handOver();
      return;
    }
    if (full) this.fullAt = Date.now();
    this.full = false;
    const { records, others } = this.cache.refresh(full);
    handleControls(this, records, others);
    const poll = adoptOrphans(this, records) || this.dispatch(records);
    const now = Date.now();
    const begin = nextBeginTime(planDispatch({ records, now }), now);
    const wait = poll ? POLL_MS : begin !== undefined ? Math.min(begin - now, 3600_000) : undefined;
    this.schedule(wait);
    this.checkIdle(records);
  }

  /**
   * An upgrade: the next dispatcher (the new program) takes the user dir over at once; this one
   * stops listening and dispatching, stays the parent of the jobs it started (their end is
   * recorded as always; the next one sees them as adopted meanwhile) and leaves after the last.
   */
  private handOver(): void {
    this.handingOver = true;
    this.stop();
    this.leaving.handOver();
    this.wake();
  }

  private schedule(ms: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = ms === undefined ? undefined : setTimeout(() => this.wake(), Math.max(10, ms));
  }

  /** Starts what can start; true when something waits on a condition no event announces. */
  private dispatch(records: JobRecord[]): boolean {
    const closed = closedBy(this.local.dirs, this.local.uid);
    const candidates = planDispatch({ records, now: Date.now(), closed, formatTime: lsfTime });
    if (closed) {
      for (const c of candidates) this.note(c.record, c.reason!);
      return candidates.length > 0;
    }
    const runningOf = new Map<number, number>();
    for (const r of records) if (running(r)) runningOf.set(r.id, (runningOf.get(r.id) ?? 0) + 1);
    let poll = false;
    let failedSlots = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
      if (c.reason) {
        this.note(c.record, c.reason);
        continue;
      }
      const limit = c.record.array?.limit;
      if (limit !== undefined && (runningOf.get(c.record.id) ?? 0) >= limit) {
        this.note(c.record, REASONS.arrayLimit);
        continue;
      }
      const slots = this.slotsOf(c.record);
      if (slots >= failedSlots) {
        this.note(c.record, REASONS.slots);
        continue;
      }
      const tried = this.tryStart(c);
      if (tried === 'started') runningOf.set(c.record.id, (runningOf.get(c.record.id) ?? 0) + 1);
      else if (tried !== 'skipped') {
        poll ||= tried.foreign;
        if (tried.slots) failedSlots = slots;
        this.note(c.record, tried.slots ? REASONS.slots : REASONS.resources);
      }
    }
    return poll;
  }

  private slotsOf(r: JobRecord): number {
    return r.exclusive ? this.configOf(r).local.slots : r.slots;
  }

  private note(r: JobRecord, reason: string): void {
    notePendReason(this.local.dirs, r, reason);
  }

  private tryStart(c: Candidate): 'started' | 'skipped' | { slots: boolean; foreign: boolean } {
    const paths = jobPaths(this.local.dirs, c.record.id, c.record.index);
    const lock = tryLock(paths.lock);
    if (!lock) return 'skipped';
    const record = readRecord(paths.record);
    if (record?.status !== 'PEND') {
      release(lock);
      return 'skipped';
    }
    const need = { slots: this.slotsOf(record), ports: record.ports, gpus: record.gpus };
    const own = new Set([...this.runs.values()].flatMap((r) => r.allocation.locks.map((l) => l.path)));
    const got = allocate(
      join(this.local.dirs.host, 'locks'),
      this.configOf(record).local.slots,
      need,
      hostGpuIndexes(this.configOf(record).devices.gpuDevDir),
      own,
    );
    if (!allocated(got)) {
      release(lock);
      return {
        slots: got.busy.some((p) => /\/slot\.\d+(~\d+)?$/.test(p)),
        foreign: got.busy.some((p) => !own.has(p)),
      };
    }
    this.launch(record, lock, got);
    return 'started';
  }

  private launch(record: JobRecord, lock: HeldLock, allocation: Allocation): void {
    const key = `${record.id}.${record.index}`;
    const ctx = { dirs: this.local.dirs, binDir: binDir(), interactive: false };
    const run = new ElementRun(record, this.configOf(record), ctx, [lock, ...allocation.locks], allocation);
    this.runs.set(key, { run, lock, allocation });
    run.done
      .catch((err) => process.stderr.write(`lsf-docker dispatcher: job ${key}: ${(err as Error).stack}\n`))
      .finally(() => {
        releaseAll(allocation);
        release(lock);
        this.runs.delete(key);
        this.wake(false);
      });
  }

  private busy(records: JobRecord[]): boolean {
    return this.runs.size > 0 || this.adopted.size > 0 || records.some((r) => pending(r) || running(r));
  }

  /**
   * With nothing pending or running for [local] dispatcher_idle seconds, the dispatcher leaves. It
   * stops listening first and then looks once more: a bsub that came before that look is seen
   * here; one after it finds nobody listening and starts the next dispatcher (which waits for
   * this one's lock).
   */
  private checkIdle(records: JobRecord[]): void {
    if (this.busy(records)) {
      this.idleSince = undefined;
      return;
    }
    this.idleSince ??= Date.now();
    const left = this.config.local.dispatcherIdle * 1000 - (Date.now() - this.idleSince);
    if (left > 0) {
      this.schedule(left);
      return;
    }
    this.stopListening?.();
    if (this.busy(this.cache.refresh().records)) {
      this.idleSince = undefined;
      this.start();
      return;
    }
    this.leaving.idle();
  }
}
