import { closeSync, constants, fstatSync, mkdirSync, openSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { Resolution } from '../runtime/registry/resolve.js';

/**
 * The submit-time check remembers, per user, a registry that did not answer: for [images]
 * check_retry_after seconds the same user's next checks do not ask it again (each would wait up to
 * check_timeout, on every bsub of a workflow's thousands) and accept the job with the same note.
 * One empty file per registry in the user's own cache dir, its mtime the moment of the last
 * silence; an answer of any kind forgets it. Only the user's own checks read it: a file planted
 * there can only skip that user's own early check (the job still pulls when it runs).
 */
export interface UnreachableMemory {
  /** Seconds since REGISTRY last did not answer, or undefined. */
  silentFor(registry: string, nowMs: number): number | undefined;
  remember(registry: string, nowMs: number): void;
  forget(registry: string): void;
}

/** The file name for REGISTRY (host[:port]): characters outside [A-Za-z0-9._-] become _. Pure. */
export const registryFileName = (registry: string) => registry.replace(/[^A-Za-z0-9._-]/g, '_');

/** Whether a silence SECONDS ago still counts within RETRYAFTER. Pure. */
export const stillSilent = (seconds: number | undefined, retryAfter: number) =>
  seconds !== undefined && retryAfter > 0 && seconds >= 0 && seconds < retryAfter;

/** The memory in DIR (the user's ~/.cache/lsf-docker/unreachable-registries): made 0700 on first use. */
export function fileMemory(dir: string): UnreachableMemory {
  const file = (registry: string) => join(dir, registryFileName(registry));
  return {
    silentFor(registry, nowMs) {
      let fd: number | undefined;
      try {
        fd = openSync(file(registry), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        const st = fstatSync(fd);
        return st.isFile() && st.uid === process.geteuid?.() ? (nowMs - st.mtimeMs) / 1000 : undefined;
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    remember(registry, nowMs) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const path = file(registry);
        closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600));
        utimesSync(path, nowMs / 1000, nowMs / 1000);
      } catch {
        // not remembered: the next check asks again
      }
    },
    forget(registry) {
      try {
        unlinkSync(file(registry));
      } catch {
        // nothing remembered
      }
    },
  };
}

/**
 * RESOLVE for REGISTRY through MEMORY: a registry silent less than RETRYAFTER seconds ago is not
 * asked (the answer is unreachable, saying since when); a new silence is remembered, an answer
 * forgets the last one.
 */
export async function throughMemory(
  registry: string,
  resolve: () => Promise<Resolution | { kind: 'helper'; helper: string }>,
  memory: UnreachableMemory,
  retryAfter: number,
  now: () => number = Date.now,
): Promise<Resolution | { kind: 'helper'; helper: string }> {
  const silent = memory.silentFor(registry, now());
  if (stillSilent(silent, retryAfter))
    return {
      kind: 'unreachable',
      detail: `no answer ${Math.round(silent!)} s ago; asked again after ${retryAfter} s`,
    };
  const answer = await resolve();
  if (answer.kind === 'unreachable') {
    if (retryAfter > 0) memory.remember(registry, now());
  } else if (silent !== undefined) memory.forget(registry);
  return answer;
}

/** The user's cache dir of it: $XDG_CACHE_HOME (when absolute) or HOME/.cache, then lsf-docker/. Pure. */
export function memoryDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(home, '.cache'), 'lsf-docker', 'unreachable-registries');
}
