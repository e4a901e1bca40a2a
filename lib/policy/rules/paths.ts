import type { Config } from '../../config/schema.js';
import type { Identity } from '../../host/identity.js';
import type { HostProbe } from '../../host/probe.js';
import { isWithin, parseAbsolutePath } from '../../kernel/grammar/path.js';
import { CONTAINER_DIR } from '../../runtime/container-spec.js';

/** Targets no user volume may cover or replace. */
export const PROTECTED_TARGETS = [
  '/',
  '/etc/passwd',
  '/etc/group',
  '/etc/shadow',
  '/etc/gshadow',
  CONTAINER_DIR,
];
/**
 * Files the runtime itself mounts into every container: the wrapper's minimal passwd and group and
 * job script, and docker's hosts, hostname and resolv.conf. A user volume over a directory holding
 * one of them would make the runtime create that file, as root, in the volume's host directory.
 */
export const RUNTIME_FILES = [
  '/etc/passwd',
  '/etc/group',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  `${CONTAINER_DIR}/job.sh`,
];
/** Trees no user volume may be mounted into or taken from. */
export const PROTECTED_TREES = ['/proc', '/sys', '/dev'];
/** The docker daemon's sockets: whoever reaches them is root on the host. */
export const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/docker', '/run/docker'];

/** Roots a user volume (or the cwd) may come from: the admin's list, plus the user's home when allowed. */
export function allowedRoots(config: Config, identity: Identity, probe: HostProbe): string[] {
  const roots = [...config.volumes.allow];
  if (config.volumes.allowHome && identity.home.startsWith('/') && identity.home !== '/')
    roots.push(identity.home);
  return [
    ...new Set(roots.flatMap((r) => [r, probe.realpath(r)].filter((p): p is string => p !== undefined))),
  ];
}

/** Why TARGET may not be mounted onto (protected, or in a protected tree or one of EXTRA), or undefined. */
export function protectedTarget(target: string, extra: string[]): string | undefined {
  if ([...PROTECTED_TARGETS, ...DOCKER_SOCKETS].includes(target)) return `${target} is protected`;
  const tree = [...PROTECTED_TREES, ...DOCKER_SOCKETS, CONTAINER_DIR, ...extra].find((root) =>
    isWithin(target, root),
  );
  return tree ? `${target} lies in the protected ${tree}` : undefined;
}

/** Why TARGET may not be mounted onto because it would hold one of the runtime's own files, or undefined. */
export function holdsRuntimeFile(target: string): string | undefined {
  const holds = RUNTIME_FILES.find((f) => isWithin(f, target));
  return holds
    ? `${target} would hold the runtime's own ${holds}, which it would create there as root`
    : undefined;
}

export type SourceCheck = { ok: true; real: string } | { ok: false; reason: string };

/** Checks a host directory the user wants mounted: canonical, a directory, allowed, readable by the user. */
export function checkSource(path: string, roots: string[], probe: HostProbe): SourceCheck {
  const real = probe.realpath(path);
  if (real === undefined) return { ok: false, reason: `${path} does not exist on this host` };
  // A symlink may lead to a name holding , or : that would add fields to docker's --mount.
  const grammar = parseAbsolutePath(real);
  if (!grammar.ok) return { ok: false, reason: `${path} leads to ${grammar.reason}` };
  const stat = probe.stat(real);
  if (stat?.kind !== 'dir')
    return { ok: false, reason: `${path} is not a directory (only directories may be mounted)` };
  const shown = real === path ? path : `${path} (really ${real})`;
  if (real === '/' || [...PROTECTED_TREES, ...DOCKER_SOCKETS].some((t) => isWithin(real, t))) {
    return { ok: false, reason: `${shown} is a protected host path` };
  }
  if (!roots.some((root) => isWithin(real, root))) {
    return {
      ok: false,
      reason: `${shown} is not under an allowed volume root (${roots.length ? roots.join(', ') : 'none configured'})`,
    };
  }
  if (!probe.userMay(real, 'x') || !probe.userMay(real, 'r')) {
    return { ok: false, reason: `${shown} is not readable by you` };
  }
  return { ok: true, real };
}
