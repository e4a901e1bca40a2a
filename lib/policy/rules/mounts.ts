import { isWithin } from '../../kernel/grammar/path.js';
import type { JobRequest } from '../../request/job-request.js';
import type { BindMount, StorageSpec } from '../../runtime/container-spec.js';
import { lookupInTree, type Placing, placeMounts } from './mount-tree.js';
import { allowedRoots, checkSource, holdsRuntimeFile, protectedTarget, RUNTIME_FILES } from './paths.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** The submission directory, mounted read-write at its own path. */
function cwdMount(request: JobRequest, ctx: RuleContext, roots: string[], found: Findings): BindMount[] {
  const { subcwd, subcwdVariable } = request.job;
  const protectedOne = protectedTarget(subcwd, ctx.config.volumes.denyTargets);
  const source = checkSource(subcwd, roots, ctx.probe);
  const badTarget = protectedOne ?? (source.ok ? holdsRuntimeFile(subcwd) : undefined);
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
  const root = ctx.probe.realpath(ctx.config.paths.jobTmpRoot) ?? ctx.config.paths.jobTmpRoot;
  const tmpdir = `${root}/${tmpdirName}`.replace(/^\/\//, '/');
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
  // Their sources looked up at once (the host's realpath, stat and access), then checked one by one.
  const sources = request.volumes.map((v) => v.source);
  const probe = (sources.length > 1 && ctx.probe.prefetched?.(sources)) || ctx.probe;
  for (const v of request.volumes) {
    const bad = protectedTarget(v.target, ctx.config.volumes.denyTargets) ?? holdsRuntimeFile(v.target);
    if (bad) {
      found.refuse('LSF_DOCKER_VOLUMES', `"${v.text}": target ${bad}`);
      continue;
    }
    const source = checkSource(v.source, roots, probe);
    if (!source.ok) {
      found.refuse('LSF_DOCKER_VOLUMES', `"${v.text}": ${source.reason}`);
      continue;
    }
    if (!v.readOnly && !probe.userMay(source.real, 'w'))
      found.decide(`volume ${v.source} is not writable by you; mounted anyway (writes will fail)`);
    mounts.push({ source: source.real, target: v.target, readOnly: v.readOnly, origin: 'user' });
    found.decide(`volume ${v.text} allowed`);
  }
  return mounts;
}

/** MOUNTS with each target once (the first wins); a user volume onto a target already mounted is refused. */
function uniqueTargets(mounts: BindMount[], found: Findings): BindMount[] {
  const first = new Map<string, BindMount>();
  const last = new Map<string, BindMount>();
  for (const m of mounts) {
    const previous = last.get(m.target);
    if (previous && m.origin === 'user') {
      found.refuse('LSF_DOCKER_VOLUMES', `target ${m.target} is already mounted (${previous.origin})`);
    }
    last.set(m.target, m);
    if (!first.has(m.target)) first.set(m.target, m);
  }
  return mounts.filter((m, i) => first.get(m.target) === m && mounts.indexOf(m) === i);
}

/** The runtime's own file mounts, placed like any other: no user volume may make it create them. */
const RUNTIME_PLACINGS: Placing[] = RUNTIME_FILES.map((target) => ({
  mount: { target, origin: 'runtime' },
  variable: 'LSF_DOCKER_VOLUMES',
  label: `the runtime's ${target}`,
}));

function placing(m: BindMount, request: JobRequest): Placing {
  if (m.origin === 'cwd')
    return { mount: m, variable: request.job.subcwdVariable, label: `submission directory ${m.target}` };
  if (m.origin === 'tmpdir') return { mount: m, variable: 'TMPDIR', label: `job tmpdir ${m.source}` };
  // An admin mount can only be misplaced by a user volume it lies in.
  if (m.origin === 'admin')
    return { mount: m, variable: 'LSF_DOCKER_VOLUMES', label: `the admin's mount at ${m.target}` };
  return { mount: m, variable: 'LSF_DOCKER_VOLUMES', label: `target ${m.target}` };
}

/**
 * The submission directory seen at its own path, read-write, through an enclosing mount of the
 * same host directory needs no mount of its own (one mount fewer inside another one).
 */
function withoutRedundantCwd(mounts: BindMount[], found: Findings): BindMount[] {
  const cwd = mounts.find((m) => m.origin === 'cwd');
  if (!cwd) return mounts;
  const outer = mounts.find(
    (m) =>
      m !== cwd &&
      !m.readOnly &&
      m.target !== cwd.target &&
      isWithin(cwd.target, m.target) &&
      `${m.source}${cwd.target.slice(m.target === '/' ? 0 : m.target.length)}` === cwd.source,
  );
  if (!outer) return mounts;
  found.decide(`cwd ${cwd.target} is visible through the mount at ${outer.target}: not mounted again`);
  return mounts.filter((m) => m !== cwd);
}

/**
 * Places every mount (the runtime's own files too) in the container's tree as the runtime will:
 * anything the runtime would create inside a bind mount's host directory is refused. A mount
 * inside an admin mount, in a directory the user may write, is refused too: the user could swap
 * that directory for a symlink between this check and the runtime's mount (mounts inside the
 * job's own mounts are made by the wrapper through held descriptors instead, lib/host/held-mounts.ts).
 */
function placeAll(request: JobRequest, ctx: RuleContext, mounts: BindMount[], found: Findings) {
  const tree = placeMounts([...mounts.map((m) => placing(m, request)), ...RUNTIME_PLACINGS], ctx.probe);
  if (tree.problem) {
    found.refuse(tree.problem.variable, tree.problem.message);
    return tree;
  }
  for (const [m, { holder, changeable }] of tree.nested) {
    if (holder.origin !== 'admin' || changeable === undefined) continue;
    const { variable, label } = placing(m, request);
    found.refuse(
      variable,
      `${label} lies inside the admin's mount at ${holder.target}, in ${changeable}, which you can change: mount it elsewhere`,
    );
    break;
  }
  return tree;
}

/**
 * The workdir, looked up in the placed tree: one the runtime would create inside a bind mount is
 * refused; one in a directory the user may change inside a bind mount is entered by the job
 * script (as the user) from that mount's root, never created by the runtime as root.
 */
function decideWorkdir(
  request: JobRequest,
  ctx: RuleContext,
  mounts: BindMount[],
  found: Findings,
): { workdir: string; cdInto?: string } {
  const workdir = request.workdir ?? request.job.subcwd;
  const variable = request.workdir ? 'LSF_DOCKER_WORKDIR' : request.job.subcwdVariable;
  const runtime = RUNTIME_FILES.map((target) => ({ target }));
  const l = lookupInTree(workdir, [...mounts, ...runtime], ctx.probe);
  if (l.kind === 'create') {
    found.refuse(
      variable,
      `${workdir} lies inside the mount at ${l.mount.target}, but ${l.hostPath} does not exist there: the runtime would create it as root`,
    );
    return { workdir };
  }
  if (l.kind !== 'found' || !l.mount || l.path === l.mount.target || l.changeable === undefined)
    return { workdir };
  if (request.rawArgs) {
    found.refuse(
      variable,
      `${workdir} lies in ${l.changeable}, which you can change: with LSF_DOCKER_RUN_RAW_ARGS it cannot be entered safely`,
    );
    return { workdir };
  }
  found.decide(
    `workdir ${workdir}: entered by the job from ${l.mount.target} (it lies in a directory you can change)`,
  );
  return { workdir: l.mount.target, cdInto: workdir };
}

/** What the mounts rule decides: the storage part, and a directory the job script enters first. */
export type StorageDecision = StorageSpec & { cdInto?: string };

/** The job's mounts (cwd, tmpdir, admin, user volumes) and its workdir. The job file is the command rule's. */
export function mountsRule(request: JobRequest, ctx: RuleContext): Ruling<StorageDecision> {
  const found = new Findings();
  const roots = allowedRoots(ctx.config, ctx.identity, ctx.probe);
  const all = [
    ...cwdMount(request, ctx, roots, found),
    ...tmpdirMount(request, ctx, found),
    ...adminMounts(ctx, found),
    ...userVolumes(request, ctx, roots, found),
  ];
  if (found.problems.length > 0) return found.ruling({ mounts: [], workdir: request.job.subcwd });
  const unique = uniqueTargets(all, found);
  if (found.problems.length > 0) return found.ruling({ mounts: [], workdir: request.job.subcwd });
  const tree = placeAll(request, ctx, withoutRedundantCwd(unique, found), found);
  const { workdir, cdInto } = tree.problem
    ? { workdir: request.job.subcwd, cdInto: undefined }
    : decideWorkdir(request, ctx, tree.mounts, found);
  return found.ruling(cdInto ? { mounts: tree.mounts, workdir, cdInto } : { mounts: tree.mounts, workdir });
}
