import { closeSync, realpathSync, statSync } from 'node:fs';
import { bindHeldOnto, detachTree, HoldError, heldStat, holdDir, stagingPoint } from '../host/held-mounts.js';
import type { Identity } from '../host/identity.js';
import { readUserFileText, UserFileError } from '../host/user-files.js';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import type { BuildPlan } from './build-policy.js';
import type { RootSession } from './root-session.js';

/** What root's docker CLI gets instead of the user's paths: the argv, the Dockerfile for its stdin. */
export interface RootBuildInput {
  argv: string[];
  /** The Dockerfile's text (read as the user), for `--file=-`. */
  dockerfile?: string;
  release(): string[];
}

const refused = (subject: string, message: string) =>
  new WrapperError(ExitCode.BUILD_REFUSED, message, subject);

/** The Dockerfile of a local context: -f's file, else CONTEXT/Dockerfile (or dockerfile), read as the user. */
function readDockerfile(plan: BuildPlan, contextPath: string, identity: Identity): string {
  const candidates = plan.dockerfile
    ? [plan.dockerfile]
    : [`${contextPath}/Dockerfile`, `${contextPath}/dockerfile`];
  let last: UserFileError | undefined;
  for (const path of candidates) {
    try {
      return readUserFileText(identity, path);
    } catch (err) {
      if (!(err instanceof UserFileError)) throw err;
      last = err;
      if (err.reason !== 'does not exist') break;
    }
  }
  throw refused(plan.dockerfile ? '-f' : 'Dockerfile', `${last!.path}: ${last!.message}`);
}

/** ARGV with the -f value replaced by `-` (or `--file=-` added) and the context path by CONTEXT. Pure. */
export function rootBuildArgv(argv: readonly string[], context: string): string[] {
  const out = argv.filter((a) => !a.startsWith('--file='));
  const dashDash = out.lastIndexOf('--');
  return [...out.slice(0, dashDash), '--file=-', '--', context];
}

/**
 * The plan with its local context named by its real path, resolved once: that path is the one
 * checked as the user and the one held (never resolved again, or a symlink swapped in after the
 * check would be followed as root).
 */
export function withRealContext(plan: BuildPlan): BuildPlan {
  if (plan.context.kind !== 'dir') return plan;
  let real: string;
  try {
    real = realpathSync(plan.context.path);
  } catch {
    return plan; // the check names what is wrong
  }
  const path = plan.context.path;
  return {
    ...plan,
    context: { ...plan.context, path: real },
    pathChecks: plan.pathChecks.map((c) =>
      c.kind === 'context' && c.path === path ? { ...c, path: real } : c,
    ),
  };
}

/** Holds the context directory (a walk that follows no symlink) and mounts it by descriptor in the private dir. */
function stageContext(real: string, session: RootSession): string {
  let fd: number | undefined;
  try {
    fd = holdDir(real);
    const point = stagingPoint(session.dir, 0);
    bindHeldOnto(fd, point);
    const st = statSync(point);
    const want = heldStat(fd);
    if (st.dev !== want.dev || st.ino !== want.ino) throw new HoldError(point, 'is not what was held');
    return point;
  } catch (err) {
    if (err instanceof HoldError) throw refused('CONTEXT', err.message);
    throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * When docker_build runs as root for the user, root's CLI must open no path of the user's: a
 * Dockerfile swapped for a symlink, or named as /proc/<pid>/root/..., would be read as root. The
 * Dockerfile is read with the user's rights and given on stdin; the context directory is held
 * and given as a mount point in the root-owned private dir (lib/host/held-mounts.ts).
 */
export function rootBuildInput(
  plan: BuildPlan,
  session: RootSession,
  identity: Identity,
  log: Logger,
): RootBuildInput | undefined {
  if (plan.context.kind !== 'dir') return undefined;
  const dockerfile = readDockerfile(plan, plan.context.path, identity);
  const point = stageContext(plan.context.path, session);
  log.debug(`context ${plan.context.path} staged at ${point}; Dockerfile read as you, on stdin`);
  return {
    argv: rootBuildArgv(plan.argv, point),
    dockerfile,
    release: () => {
      const r = detachTree(point);
      return r.ok ? [] : [`${point}: ${r.message}`];
    },
  };
}
