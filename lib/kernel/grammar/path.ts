import { posix } from 'node:path';

/**
 * Characters allowed in a path that the wrapper hands to docker: no white space, no control
 * characters, and none of the separators of docker's --mount and -v syntaxes (`,` `:` `"` `'`)
 * so that a path can never smuggle a second option into a mount specification.
 */
const SAFE_PATH = /^\/[^\s\x00-\x1f\x7f,:"'\\]*$/;

export type PathParse = { ok: true; path: string } | { ok: false; reason: string };

/** An absolute, normalised path without `..` components; never the empty string. */
export function parseAbsolutePath(text: string): PathParse {
  if (!text.startsWith('/')) return { ok: false, reason: `"${text}" is not an absolute path` };
  if (!SAFE_PATH.test(text)) {
    return {
      ok: false,
      reason: `"${text}" holds a character not allowed in a path (white space , : " ' \\)`,
    };
  }
  if (text.split('/').includes('..')) return { ok: false, reason: `"${text}" must not contain ".."` };
  const normal = posix.normalize(text);
  return { ok: true, path: normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal };
}

/** True when PATH is ROOT or lies below it, on path-segment boundaries (/data is not under /dat). */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}
