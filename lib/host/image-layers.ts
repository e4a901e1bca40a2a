import { lstatSync, readlinkSync } from 'node:fs';

/**
 * The symlinks of an image, read from its overlay2 layer directories (top layer first), as root:
 * a path's entry in the topmost layer that has one decides. A whiteout (a 0:0 character device)
 * hides the lower layers' entry. Opaque directories are not read (an xattr): a symlink an opaque
 * directory hides is still reported, which only makes a check stricter.
 */
export function imageLinks(layers: readonly string[]): { readlink(path: string): string | undefined } {
  return {
    readlink(path) {
      for (const layer of layers) {
        let st: ReturnType<typeof lstatSync>;
        try {
          st = lstatSync(`${layer}${path}`);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          return undefined;
        }
        if (!st.isSymbolicLink()) return undefined;
        try {
          return readlinkSync(`${layer}${path}`);
        } catch {
          return undefined;
        }
      }
      return undefined;
    },
  };
}
