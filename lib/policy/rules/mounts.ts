import type { JobRequest } from '../../request/job-request.js';
import type { BindMount, StorageSpec } from '../../runtime/container-spec.js';
import { allowedRoots, checkSource, missingInsideMount, protectedTarget } from './paths.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** The submission directory, mounted read-write at its own path. */
function cwdMount(request: JobRequest, ctx: RuleContext, roots: string[], found: Findings): BindMount[] {
  const { subcwd, subcwdVariable } = request.job;
  const badTarget = protectedTarget(subcwd, ctx.config.volumes.denyTargets);
  const source = checkSource(subcwd, roots, ctx.probe);
  if (badTarget) found.refuse(subcwdVariable, `submission directory: ${badTarget}`);
  else if (!source.ok) found.refuse(subcwdVariable, `submission directory ${source.reason}`);
  else found.decide(`cwd ${subcwd} mounted and used as workdir`);
  if (request.workdir) found.decide(`workdir ${request.workdir} (LSF_DOCKER_WORKDIR)`);
  return source.ok && !badTarget
    ? [{ source: source.real, target: subcwd, readOnly: false, origin: 'cwd' }]
    : [];
}

/**
 * The job's LSF tmpdir becomes the container's /tmp, when it is a plain directory of the user's.
 * Only at /tmp: a second mount at its own path would make the runtime create that mount point,
 * as root, inside the very same directory (TMPDIR is pointed at /tmp instead).
 */
function tmpdirMount(request: JobRequest, ctx: RuleContext, found: Findings): BindMount[] {
  const { tmpdirName } = request.job;
  if (tmpdirName === undefined) {
    found.decide('no LSB_JOBID: no job tmpdir to mount');
    return [];
  }
  const tmpdir = `${ctx.config.paths.jobTmpRoot}/${tmpdirName}`.replace(/^\/\//, '/');
  const stat = ctx.probe.lstat(tmpdir);
  const skipped = (why: string) => {
    found.decide(`job tmpdir ${tmpdir} ${why}: not passed to docker`);
    return [];
  };
  if (!stat) return skipped('does not exist');
  if (stat.isSymlink || stat.kind !== 'dir') return skipped('is not a plain directory');
  if (stat.uid !== ctx.identity.uid) return skipped(`belongs to uid ${stat.uid}, not you`);
  found.decide(`job tmpdir ${tmpdir} mounted as /tmp`);
  return [{ source: tmpdir, target: '/tmp', readOnly: false, origin: 'tmpdir' }];
}

/** The admin's mounts, each only when its source exists on this host. */
function adminMounts(ctx: RuleContext, found: Findings): BindMount[] {
  const mounts: BindMount[] = [];
  for (const m of ctx.config.mounts.mount) {
    if (ctx.probe.stat(m.source) === undefined) {
      found.decide(`admin mount ${m.source} absent on this host: skipped`);
      continue;
    }
    const propagation = m.propagation as BindMount['propagation'];
    mounts.push({ source: m.source, target: m.target, readOnly: m.readOnly, propagation, origin: 'admin' });
  }
  return mounts;
}

/** LSF_DOCKER_VOLUMES: each from an allowed root, readable by the user, onto no protected target. */
function userVolumes(request: JobRequest, ctx: RuleContext, roots: string[], found: Findings): BindMount[] {
  const mounts: BindMount[] = [];
  for (const v of request.volumes) {
    const bad = protectedTarget(v.target, ctx.config.volumes.denyTargets);
    if (bad) {
      found.refuse('LSF_DOCKER_VOLUMES', `"${v.text}": target ${bad}`);
      continue;
    }
    const source = checkSource(v.source, roots, ctx.probe);
    if (!source.ok) {
      found.refuse('LSF_DOCKER_VOLUMES', `"${v.text}": ${source.reason}`);
      continue;
    }
    if (!v.readOnly && !ctx.probe.userMay(source.real, 'w'))
      found.decide(`volume ${v.source} is not writable by you; mounted anyway (writes will fail)`);
    mounts.push({ source: source.real, target: v.target, readOnly: v.readOnly, origin: 'user' });
    found.decide(`volume ${v.text} allowed`);
  }
  return mounts;
}

/** MOUNTS with each target once (the first wins); a user volume onto a target already mounted is refused. */
function uniqueTargets(mounts: BindMount[], found: Findings): BindMount[] {
  const targets = new Map<string, BindMount>();
  for (const m of mounts) {
    const previous = targets.get(m.target);
    if (previous && m.origin === 'user') {
      found.refuse('LSF_DOCKER_VOLUMES', `target ${m.target} is already mounted (${previous.origin})`);
    }
    targets.set(m.target, m);
  }
  return mounts.filter((m, i) => mounts.findIndex((o) => o.target === m.target) === i);
}

/**
 * A target inside another mount, or a workdir inside a mount, that does not exist in that mount's
 * source would be created by the daemon, as root, in the host directory: refused instead.
 */
function refuseMissingInside(request: JobRequest, ctx: RuleContext, mounts: BindMount[], found: Findings) {
  for (const m of mounts.filter((u) => u.origin === 'user')) {
    const missing = missingInsideMount(m.target, mounts, ctx.probe);
    if (missing) {
      found.refuse(
        'LSF_DOCKER_VOLUMES',
        `target ${m.target} lies inside the mount at ${missing.parent}, but ${missing.hostPath} does not exist (create it first)`,
      );
    }
  }
  const missing = request.workdir ? missingInsideMount(request.workdir, mounts, ctx.probe) : undefined;
  if (missing) {
    found.refuse(
      'LSF_DOCKER_WORKDIR',
      `${request.workdir} lies inside the mount at ${missing.parent}, but ${missing.hostPath} does not exist`,
    );
  }
}

/** The job's mounts (cwd, tmpdir, admin, user volumes) and its workdir. The job file is the command rule's. */
export function mountsRule(request: JobRequest, ctx: RuleContext): Ruling<StorageSpec> {
  const found = new Findings();
  const roots = allowedRoots(ctx.config, ctx.identity, ctx.probe);
  const all = [
    ...cwdMount(request, ctx, roots, found),
    ...tmpdirMount(request, ctx, found),
    ...adminMounts(ctx, found),
    ...userVolumes(request, ctx, roots, found),
  ];
  const mounts = uniqueTargets(all, found);
  refuseMissingInside(request, ctx, mounts, found);
  return found.ruling({ mounts, workdir: request.workdir ?? request.job.subcwd });
}
