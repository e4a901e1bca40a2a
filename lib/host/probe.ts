/** What policy may ask of the host: stat and realpath, nothing that changes anything. */
export interface PathStat {
  kind: 'dir' | 'file' | 'socket' | 'other';
  uid: number;
  gid: number;
  mode: number;
  isSymlink: boolean;
}

export interface HostProbe {
  /** The canonical path, or undefined when it does not exist. */
  realpath(path: string): string | undefined;
  /** stat (following links), or undefined when missing. */
  stat(path: string): PathStat | undefined;
  /** lstat (not following links), or undefined when missing. */
  lstat(path: string): PathStat | undefined;
  /** Whether the job's user may read (r), write (w) or enter/execute (x) the path, ancestors included. */
  userMay(path: string, access: 'r' | 'w' | 'x'): boolean;
  /** Reads a small text file on behalf of the user; throws an Error with a message when it cannot. */
  readUserFile(path: string): string;
  /** GPU device indexes present on the host (from /dev/nvidiaN under the configured dir). */
  hostGpus(): string[];
  /** The RLIMIT_RSS (bytes) LSF set from bsub -M, or undefined when unlimited. */
  rssLimit(): number | undefined;
  /** Whether stdin is a terminal. */
  stdinIsTty(): boolean;
  hostname: string;
  pid: number;
}
