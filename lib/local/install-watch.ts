import { statSync } from 'node:fs';

/** A file's identity on disk (device, inode, size, modification time); undefined when it cannot be read. */
export function fileIdentity(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether the program a long-lived process runs was replaced on disk since it started: an
 * upgrade (scripts/install.sh swaps bin/ and dist/ in whole, `npm run build` rewrites a bundle).
 * FILES are its launcher and its bundle; a file missing now (an install between its removal and
 * its move) is not yet a replacement, and one that could not be read at the start is not watched.
 */
export class InstallWatch {
  private readonly started: Array<[string, string]>;

  constructor(files: string[]) {
    this.started = files.flatMap((f) => {
      const id = fileIdentity(f);
      return id === undefined ? [] : [[f, id] as [string, string]];
    });
  }

  /** True once any watched file is there again with another identity. */
  replaced(): boolean {
    return this.started.some(([file, id]) => {
      const now = fileIdentity(file);
      return now !== undefined && now !== id;
    });
  }
}
