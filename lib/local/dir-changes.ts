import { type FSWatcher, watch } from 'node:fs';

/**
 * Changes to a directory's entries, for a command that waits on job records (bsub -K, bwait):
 * inotify through fs.watch, so that a waiting command looks again when a record it cares about
 * was written (a record is written by a rename into the jobs dir), not 10 times a second.
 * Without a watch (inotify refused: its limit, a file system without it) or when the watch
 * fails, `next` only waits for its time: the caller then polls as before.
 */
export class DirChanges {
  private watcher: FSWatcher | undefined;
  private wakeWaiter: (() => void) | undefined;
  /** The entries that changed since the last `next`; undefined: unknown, look at everything. */
  private changed: Set<string> | undefined = new Set();

  /** ACCEPT: whether a change to the entry NAME matters (a null name, unknown, always does). */
  constructor(dir: string, accept: (name: string) => boolean) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null) this.notice(undefined);
        else if (accept(String(name))) this.notice(String(name));
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      this.watcher = undefined;
    }
  }

  /** True while changes wake `next` (else it is a plain sleep). */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * Resolves at the first change that mattered since the last call, or after MS: with the names
   * of the entries that changed meanwhile, or undefined when that is not known (the time ran out,
   * no watch, a change without a name, the watch broke): then look at everything.
   */
  next(ms: number): Promise<Set<string> | undefined> {
    if (this.changed === undefined || this.changed.size > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        const names = this.take();
        resolve(timedOut ? undefined : names);
      };
      const timer = setTimeout(() => done(true), ms);
      this.wakeWaiter = () => done(false);
    });
  }

  close(): void {
    this.stopWatching();
  }

  private take(): Set<string> | undefined {
    const names = this.changed;
    this.changed = new Set();
    return names;
  }

  private notice(name: string | undefined): void {
    if (name === undefined) this.changed = undefined;
    else this.changed?.add(name);
    this.wakeWaiter?.();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    // A waiter looks again at once, at everything: it may have missed the change that broke the watch.
    this.notice(undefined);
  }
}
