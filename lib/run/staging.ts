import { closeSync, statSync } from 'node:fs';
import {
  bindHeldOnto,
  bindHeldOntoHeld,
  detachTree,
  HoldError,
  heldStat,
  holdDir,
  remountReadOnly,
  stagingPoint,
} from '../host/held-mounts.js';
import type { Identity } from '../host/identity.js';
import { modeAllows } from '../host/os-probe.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { isWithin } from '../kernel/grammar/path.js';
import type { Logger } from '../kernel/log/logger.js';
import type { BindMount } from '../runtime/container-spec.js';

/** The job's mounts as the runtime gets them once staged, and how to take the staging down. */
export interface Staged {
  mounts: BindMount[];
  /** Detaches every staging mount (and what was mounted inside it). Never throws; returns problems. */
  release(): string[];
}

/** The mounts of the job's own directories (the admin's are the admin's: passed as they are). */
const STAGED_ORIGINS = new Set<BindMount['origin']>(['cwd', 'tmpdir', 'user']);

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** What a staging failure names: the variable the path came from. */
function subjectOf(m: BindMount): string {
  if (m.origin === 'cwd') return 'LS_SUBCWD';
  if (m.origin === 'tmpdir') return 'job tmpdir';
  return 'LSF_DOCKER_VOLUMES';
}

/** What policy checked by path, checked again on the held directory itself. */
function checkHeld(m: BindMount, fd: number, identity: Identity): void {
  const st = heldStat(fd);
  const stat = { kind: 'dir' as const, uid: st.uid, gid: st.gid, mode: st.mode, isSymlink: false };
  if (m.origin === 'tmpdir' && st.uid !== identity.uid)
    throw new HoldError(m.source, 'changed while it was being checked (it is not yours now)');
  if (m.origin !== 'tmpdir' && (!modeAllows(stat, identity, 'r') || !modeAllows(stat, identity, 'x')))
    throw new HoldError(m.source, 'changed while it was being checked (it is not readable by you now)');
}

interface Top {
  mount: BindMount;
  point: string;
}

/** Mounts the held M inside TOP's staging tree, at its place below TOP's target; read-only when asked. */
function stageNested(m: BindMount, held: number, top: Top): void {
  const inStaging = `${top.point}${m.target.slice(top.mount.target === '/' ? 0 : top.mount.target.length)}`;
  const at = holdDir(inStaging, top.point);
  try {
    bindHeldOntoHeld(held, at, m.target);
  } finally {
    closeSync(at);
  }
  if (!m.readOnly) return;
  // The walk now ends on the new mount's root: make that one read-only, after checking it is.
  const root = holdDir(inStaging, top.point);
  try {
    const a = heldStat(root);
    const b = heldStat(held);
    if (a.dev !== b.dev || a.ino !== b.ino)
      throw new HoldError(m.target, 'changed while it was being mounted');
    remountReadOnly(root, m.target);
  } finally {
    closeSync(root);
  }
}

/**
 * Stages the job's own directories (see lib/host/held-mounts.ts): each is held by a walk that
 * follows no symlink, checked again on what is held, and bind-mounted by descriptor onto a mount
 * point in PRIVATEDIR; a mount inside another one is made inside that one's staging tree (and
 * not given to the runtime at all). Throws a WrapperError (213) naming the variable when a
 * directory changed since policy checked it; what was staged by then is taken down first.
 */
export function stageMounts(
  mounts: readonly BindMount[],
  privateDir: string,
  identity: Identity,
  log: Logger,
): Staged {
  const tops: Top[] = [];
  const release = () => {
    const problems: string[] = [];
    for (const top of [...tops].reverse()) {
      const r = detachTree(top.point);
      if (!r.ok) problems.push(`${top.point}: ${r.message}`);
    }
    return problems;
  };
  const out: BindMount[] = [];
  const order = [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
  const placed = new Map<BindMount, BindMount>();
  try {
    for (const m of order) {
      if (!STAGED_ORIGINS.has(m.origin)) {
        placed.set(m, m);
        continue;
      }
      const held = holdDir(m.source);
      try {
        checkHeld(m, held, identity);
        const top = tops
          .filter((t) => t.mount.target !== m.target && isWithin(m.target, t.mount.target))
          .sort((a, b) => b.mount.target.length - a.mount.target.length)[0];
        if (top) {
          stageNested(m, held, top);
          log.debug(`staged ${m.source} inside the mount at ${top.mount.target} (${m.target})`);
          continue;
        }
        const point = stagingPoint(privateDir, tops.length);
        bindHeldOnto(held, point);
        const st = statSync(point);
        const want = heldStat(held);
        if (st.dev !== want.dev || st.ino !== want.ino) throw new HoldError(point, 'is not what was held');
        tops.push({ mount: m, point });
        placed.set(m, { ...m, source: point });
        log.debug(`staged ${m.source} at ${point} (${m.target})`);
      } catch (err) {
        if (err instanceof HoldError) throw new WrapperError(ExitCode.POLICY, err.message, subjectOf(m));
        throw err;
      } finally {
        closeSync(held);
      }
    }
  } catch (err) {
    release();
    throw err;
  }
  for (const m of mounts) {
    const p = placed.get(m);
    if (p) out.push(p);
  }
  return { mounts: out, release };
}
