import { posix } from 'node:path';

/** Where the build context comes from, as docker tells the forms apart. */
export type ContextRef =
  | { kind: 'dir'; path: string; written: string }
  | { kind: 'git'; url: string }
  | { kind: 'url'; url: string };

export type ContextParse = { ok: true; context: ContextRef } | { ok: false; reason: string };

const CONTROL = /[\x00-\x1f\x7f]/;
const GIT = /^(?:git:\/\/\S+|git@[^\s:/]+:\S+|github\.com\/\S+|https?:\/\/\S+\.git(?:#\S*)?)$/;
const URL = /^https?:\/\/[^\s/]+\S*$/;

/**
 * Classifies the CONTEXT word: a git URL or a tarball URL as docker accepts them, otherwise a
 * local directory (made absolute against CWD). `-` (context from stdin) is not supported.
 */
export function parseContextRef(text: string, cwd: string): ContextParse {
  if (text === '') return { ok: false, reason: 'is empty' };
  if (CONTROL.test(text)) return { ok: false, reason: 'must not contain control characters' };
  if (text === '-') {
    return {
      ok: false,
      reason: '"-" (a context read from stdin) is not supported: give a directory or a URL',
    };
  }
  if (text.startsWith('-')) return { ok: false, reason: `"${text}" must not start with "-"` };
  if (GIT.test(text)) return { ok: true, context: { kind: 'git', url: text } };
  if (URL.test(text)) return { ok: true, context: { kind: 'url', url: text } };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return { ok: false, reason: `"${text}" is neither a directory nor an http(s) or git URL docker accepts` };
  }
  return { ok: true, context: { kind: 'dir', path: posix.resolve(cwd, text), written: text } };
}
