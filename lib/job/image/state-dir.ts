import { lstatSync, mkdirSync } from 'node:fs';
import { sha256Hex } from '../../kernel/sha256.js';

/**
 * The per-host image state ([images] state_dir): the pull locks and the last-use records, shared
 * by every job on the host. Trusted only when it cannot be used against us: a real directory
 * (not a symlink) owned by root, sticky when others may write (docker-group hosts: 1777, so that
 * nobody can replace another's files), else not writable by others (sudo hosts: 0755, only root
 * writes). Root creates it (0755) when missing. Without it, jobs pull as before (no locks, no
 * last-use records).
 */
export interface DirFacts {
  isDirectory: boolean;
  isSymbolicLink: boolean;
  uid: number;
  mode: number;
}

/** Why a dir with FACTS is not a trusted host state dir, or undefined when it is. Pure. */
export function hostDirProblem(facts: DirFacts | undefined): string | undefined {
  if (!facts) return 'does not exist';
  if (facts.isSymbolicLink) return 'is a symbolic link';
  if (!facts.isDirectory) return 'is not a directory';
  if (facts.uid !== 0) return `is owned by uid ${facts.uid}, not root`;
  if ((facts.mode & 0o022) !== 0 && (facts.mode & 0o1000) === 0)
    return 'is writable by others but not sticky';
  return undefined;
}

export function dirFacts(path: string): DirFacts | undefined {
  try {
    const s = lstatSync(path);
    return { isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(), uid: s.uid, mode: s.mode };
  } catch {
    return undefined;
  }
}

/** The trusted host state dir, created by root when missing (and CREATE); undefined with the reason otherwise. */
export function hostStateDir(path: string, euid: number, create = true): { dir?: string; problem?: string } {
  let facts = dirFacts(path);
  if (!facts && euid === 0 && create) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o755 });
    } catch {
      // reported below
    }
    facts = dirFacts(path);
  }
  const problem = hostDirProblem(facts);
  return problem ? { problem: `[images] state_dir ${path} ${problem}` } : { dir: path };
}

/** A file name part for an image reference: 32 hex digits of its sha256. Pure. */
export const refHash = (canonical: string) => sha256Hex(canonical).slice(0, 32);
