import { posix } from 'node:path';

/**
 * Characters allowed in a path that the wrapper hands to docker: no white space, no control
 * characters, and none of the separators of docker's --mount and -v syntaxes (`,` `:` `"` `'`)
 * so that a path can never smuggle a second option into a mount specification.
 */
const SAFE_PATH = /^\/[^\s\x00-\x1f\x7f,:"'\\]*$/;

export type PathParse = { ok: true; path: string } | { ok: false; reason: string };

/** A `..` component. */
const DOT_DOT = /(?:^|\/)\.\.(?:\/|$)/;
/** A path posix.normalize leaves as it is, without a trailing slash: no empty, `.` or `..` component. */
const NORMAL = /^(?:\/|(?:\/(?!\.\.?(?:\/|$))[^/]+)+)$/;

/** An absolute, normalised path without `..` components; never the empty string. */
export function parseAbsolutePath(text: string): PathParse {
  if (!text.startsWith('/')) return { ok: false, reason: `"${text}" is not an absolute path` };
  if (!SAFE_PATH.test(text)) {
    return {
      ok: false,
      reason: `"${text}" holds a character not allowed in a path (white space , : " ' \\)`,
    };
  }
  if (DOT_DOT.test(text)) return { ok: false, reason: `"${text}" must not contain ".."` };
  // Most paths are normal already: one regular expression instead of normalize's loop per character.
  if (NORMAL.test(text)) return { ok: true, path: text };
  const normal = posix.normalize(text);
  return { ok: true, path: normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal };
}

/**
 * True when PATH is ROOT or lies below it, on path-segment boundaries (/data is not under /dat).
 * Makes no string (the mount tree asks it for every pair of 100 volumes).
 */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path.startsWith(root) && (path.length === root.length || path.charCodeAt(root.length) === SLASH);
}

const SLASH = 47;
