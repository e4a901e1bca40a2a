/** What policy may ask of the host: stat and realpath, nothing that changes anything. */
export interface PathStat {
  kind: 'dir' | 'file' | 'socket' | 'other';
  uid: number;
  gid: number;
  mode: number;
  isSymlink: boolean;
}

export interface HostProbe {
  /**
   * This probe, with PATHS looked up at once now where the host can (realpath, stat of the real
   * path, the user's access to it): its realpath, stat and userMay answer for them from what was
   * found, for one decision (a job may name 100 volumes). Optional: without it, each call looks
   * for itself.
   */
  prefetched?(paths: string[]): HostProbe;
  /** The canonical path, or undefined when it does not exist. */
  realpath(path: string): string | undefined;
  /** stat (following links), or undefined when missing. */
  stat(path: string): PathStat | undefined;
  /** lstat (not following links), or undefined when missing. */
  lstat(path: string): PathStat | undefined;
  /** Whether the job's user may read (r), write (w) or enter/execute (x) the path, ancestors included. */
  userMay(path: string, access: 'r' | 'w' | 'x'): boolean;
  /**
   * Reads a small text file with the user's own rights (lib/host/user-files.ts: never as root, the
   * last component never followed, /proc refused); throws an Error whose message says what is
   * wrong with the path, never what the file holds.
   */
  readUserFile(path: string, limit?: number): string;
  /** The target of the symlink PATH, or undefined when PATH is not one. */
  readlink(path: string): string | undefined;
  /** GPU device indexes present on the host (from /dev/nvidiaN under the configured dir). */
  hostGpus(): string[];
  /** The RLIMIT_RSS (bytes) LSF set from bsub -M, or undefined when unlimited. */
  rssLimit(): number | undefined;
  /** Whether stdin is a terminal. */
  stdinIsTty(): boolean;
  hostname: string;
  pid: number;
}
