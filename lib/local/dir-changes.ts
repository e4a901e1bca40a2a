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
  private changed = false;

  /** ACCEPT: whether a change to the entry NAME matters (a null name, unknown, always does). */
  constructor(dir: string, accept: (name: string) => boolean) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || accept(String(name))) this.notice();
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

  /** Resolves at the first change that mattered since the last call, or after MS. */
  next(ms: number): Promise<void> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeWaiter = done;
    });
  }

  close(): void {
    this.stopWatching();
  }

  private notice(): void {
    if (this.wakeWaiter) this.wakeWaiter();
    else this.changed = true;
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    // A waiter looks again at once: it may have missed the change that broke the watch.
    this.notice();
  }
}
