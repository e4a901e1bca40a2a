import { basename, dirname } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { HostProbe } from '../host/probe.js';
import { renderGroup, renderPasswd, renderScript } from '../job/artifacts.js';
import { policyError, type WrapperError, WrapperErrors } from '../kernel/errors.js';
import { parseHostEntry } from '../kernel/grammar/host.js';
import { parseImageRef, registryAllowed } from '../kernel/grammar/image.js';
import { isWithin, parseAbsolutePath } from '../kernel/grammar/path.js';
import { portArg } from '../kernel/grammar/port.js';
import { formatSize } from '../kernel/grammar/size.js';
import { splitWords } from '../kernel/grammar/words.js';
import type { JobRequest } from '../request/job-request.js';
import { CONTAINER_DIR, CONTAINER_SCRIPT, type Mount, type RunPlan } from '../runtime/spec.js';
import { denyPatterns, filterEnvironment, JOB_VARIABLES, parseEnvFile } from './rules/environment.js';

/** Targets no user volume may cover or replace. */
export const PROTECTED_TARGETS = [
  '/',
  '/etc/passwd',
  '/etc/group',
  '/etc/shadow',
  '/etc/gshadow',
  CONTAINER_DIR,
];
/** Trees no user volume may be mounted into or taken from. */
export const PROTECTED_TREES = ['/proc', '/sys', '/dev'];
/** The docker daemon's sockets: whoever reaches them is root on the host. */
export const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/docker', '/run/docker'];

class Refusals {
  readonly list: WrapperError[] = [];
  add(variable: string, message: string) {
    this.list.push(policyError(variable, message));
  }
  throwIfAny() {
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new WrapperErrors(this.list);
  }
}

export interface PolicyInput {
  request: JobRequest;
  config: Config;
  identity: Identity;
  probe: HostProbe;
}

/** Roots a user volume (or the cwd) may come from: the admin's list, plus the user's home when allowed. */
function allowedRoots(config: Config, identity: Identity, probe: HostProbe): string[] {
  const roots = [...config.volumes.allow];
  if (config.volumes.allowHome && identity.home.startsWith('/') && identity.home !== '/')
    roots.push(identity.home);
  return [
    ...new Set(roots.flatMap((r) => [r, probe.realpath(r)].filter((p): p is string => p !== undefined))),
  ];
}

function protectedTarget(target: string, extra: string[]): string | undefined {
  if ([...PROTECTED_TARGETS, ...DOCKER_SOCKETS].includes(target)) return `${target} is protected`;
  const tree = [...PROTECTED_TREES, ...DOCKER_SOCKETS, CONTAINER_DIR, ...extra].find((root) =>
    isWithin(target, root),
  );
  return tree ? `${target} lies in the protected ${tree}` : undefined;
}

/** Checks a host directory the user wants mounted: canonical, a directory, allowed, readable by the user. */
function checkSource(
  path: string,
  roots: string[],
  probe: HostProbe,
): { ok: true; real: string } | { ok: false; reason: string } {
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

function modeAllowed(value: string | undefined, allow: string[]): boolean {
  if (value === undefined) return true;
  if (allow.includes(value)) return true;
  return value.startsWith('container:') && allow.includes('container:*');
}

/**
 * For a container path inside another mount's target: the host path it maps to when that path
 * does not exist there (docker would create it as root), with the deepest such mount.
 */
function missingInsideMount(
  path: string,
  mounts: Mount[],
  probe: HostProbe,
): { parent: string; hostPath: string } | undefined {
  const parent = mounts
    .filter((p) => p.target !== path && isWithin(path, p.target))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (!parent) return undefined;
  const hostPath = `${parent.source}${path.slice(parent.target === '/' ? 0 : parent.target.length)}`;
  return probe.stat(hostPath) === undefined ? { parent: parent.target, hostPath } : undefined;
}

/** GPUs the job's effective resource request (written by LSF) asks for: the largest ngpus* count. */
export function gpusAsked(effectiveResourceRequest: string | undefined): number {
  const counts = [...(effectiveResourceRequest ?? '').matchAll(/\bngpus\w*\s*=\s*(\d+(?:\.\d+)?)/g)].map(
    (m) => Math.ceil(Number(m[1])),
  );
  return counts.length > 0 ? Math.max(...counts) : 0;
}

/** The job file LSF wrote, when the command is just its path: run it instead of a generated script. */
function jobFileOf(request: JobRequest, identity: Identity, probe: HostProbe): string | undefined {
  if (request.command.length !== 1) return undefined;
  const word = request.command[0]!;
  const grammar = parseAbsolutePath(word);
  if (!grammar.ok || grammar.path !== word || protectedTarget(word, [])) return undefined;
  const isJobFile = word === request.job.jobFile || basename(dirname(word)) === '.lsbatch';
  if (!isJobFile) return undefined;
  const stat = probe.lstat(word);
  if (stat?.kind !== 'file' || stat.isSymlink || stat.uid !== identity.uid) return undefined;
  return word;
}

function resolveImage(request: JobRequest, config: Config, refusals: Refusals, decisions: string[]): string {
  let text = request.imageText;
  const alias = config.images.aliases[text];
  if (alias) {
    decisions.push(`image alias ${text} -> ${alias}`);
    text = alias;
  }
  const parsed = parseImageRef(text);
  if (!parsed.ok) {
    refusals.add(request.imageVariable, `"${text}" ${parsed.reason}`);
    return text;
  }
  if (!registryAllowed(parsed.ref, config.images.allowRegistries)) {
    refusals.add(
      request.imageVariable,
      `registry ${parsed.ref.registry} of "${text}" is not allowed (allowed: ${config.images.allowRegistries.join(', ')})`,
    );
  }
  return text;
}

/**
 * Decides the container: JobRequest x Config x Identity -> RunPlan, or every refusal at once.
 * Pure apart from the probe's stat/realpath/read calls.
 */
export function decideRunPlan({ request, config, identity, probe }: PolicyInput): RunPlan {
  const refusals = new Refusals();
  const decisions: string[] = [];
  const roots = allowedRoots(config, identity, probe);
  const mounts: Mount[] = [];
  const image = resolveImage(request, config, refusals, decisions);

  // Submission directory: mounted at the same path, and the workdir unless LSF_DOCKER_WORKDIR says otherwise.
  const cwd = checkSource(request.job.subcwd, roots, probe);
  let workdir = request.workdir ?? request.job.subcwd;
  const cwdTarget = protectedTarget(request.job.subcwd, config.volumes.denyTargets);
  if (cwdTarget) {
    refusals.add(
      request.env.LS_SUBCWD !== undefined ? 'LS_SUBCWD' : 'cwd',
      `submission directory: ${cwdTarget}`,
    );
  } else if (cwd.ok) {
    mounts.push({ source: cwd.real, target: request.job.subcwd, readOnly: false, origin: 'cwd' });
    decisions.push(`cwd ${request.job.subcwd} mounted and used as workdir`);
  } else {
    refusals.add(
      request.env.LS_SUBCWD !== undefined ? 'LS_SUBCWD' : 'cwd',
      `submission directory ${cwd.reason}`,
    );
  }
  if (request.workdir) {
    workdir = request.workdir;
    decisions.push(`workdir ${workdir} (LSF_DOCKER_WORKDIR)`);
  }

  // The job's LSF tmpdir becomes the container's /tmp.
  let jobTmpdir: string | undefined;
  if (request.job.id !== undefined) {
    const leaf =
      request.job.index > 0 ? `${request.job.id}_${request.job.index}.tmpdir` : `${request.job.id}.tmpdir`;
    const tmpdir = `${config.paths.jobTmpRoot}/${leaf}`.replace(/^\/\//, '/');
    const stat = probe.lstat(tmpdir);
    if (!stat) decisions.push(`job tmpdir ${tmpdir} does not exist: not passed to docker`);
    else if (stat.isSymlink || stat.kind !== 'dir')
      decisions.push(`job tmpdir ${tmpdir} is not a plain directory: not passed to docker`);
    else if (stat.uid !== identity.uid)
      decisions.push(`job tmpdir ${tmpdir} belongs to uid ${stat.uid}, not you: not passed to docker`);
    else {
      // Only at /tmp: a second mount at its own path would make docker create that mount point,
      // as root, inside the very same directory. TMPDIR is pointed at /tmp instead.
      mounts.push({ source: tmpdir, target: '/tmp', readOnly: false, origin: 'tmpdir' });
      jobTmpdir = tmpdir;
      decisions.push(`job tmpdir ${tmpdir} mounted as /tmp`);
    }
  } else {
    decisions.push('no LSB_JOBID: no job tmpdir to mount');
  }

  // Admin mounts, each only when its source exists here.
  for (const m of config.mounts.mount) {
    if (probe.stat(m.source) === undefined) {
      decisions.push(`admin mount ${m.source} absent on this host: skipped`);
      continue;
    }
    mounts.push({
      source: m.source,
      target: m.target,
      readOnly: m.readOnly,
      propagation: m.propagation,
      origin: 'admin',
    });
  }

  // User volumes.
  for (const v of request.volumes) {
    const bad = protectedTarget(v.target, config.volumes.denyTargets);
    if (bad) {
      refusals.add('LSF_DOCKER_VOLUMES', `"${v.text}": target ${bad}`);
      continue;
    }
    const src = checkSource(v.source, roots, probe);
    if (!src.ok) {
      refusals.add('LSF_DOCKER_VOLUMES', `"${v.text}": ${src.reason}`);
      continue;
    }
    if (!v.readOnly && !probe.userMay(src.real, 'w'))
      decisions.push(`volume ${v.source} is not writable by you; mounted anyway (writes will fail)`);
    mounts.push({ source: src.real, target: v.target, readOnly: v.readOnly, origin: 'user' });
    decisions.push(`volume ${v.text} allowed`);
  }
  const targets = new Map<string, Mount>();
  for (const m of mounts) {
    const previous = targets.get(m.target);
    if (previous && m.origin === 'user') {
      refusals.add('LSF_DOCKER_VOLUMES', `target ${m.target} is already mounted (${previous.origin})`);
    }
    targets.set(m.target, m);
  }
  const uniqueMounts = mounts.filter((m, i) => mounts.findIndex((o) => o.target === m.target) === i);
  // A target inside another mount, or a workdir inside a mount, that does not exist in that mount's
  // source would be created by the daemon, as root, in the host directory: refuse it instead.
  for (const m of uniqueMounts.filter((u) => u.origin === 'user')) {
    const missing = missingInsideMount(m.target, uniqueMounts, probe);
    if (missing) {
      refusals.add(
        'LSF_DOCKER_VOLUMES',
        `target ${m.target} lies inside the mount at ${missing.parent}, but ${missing.hostPath} does not exist (create it first)`,
      );
    }
  }
  if (request.workdir) {
    const missing = missingInsideMount(request.workdir, uniqueMounts, probe);
    if (missing) {
      refusals.add(
        'LSF_DOCKER_WORKDIR',
        `${request.workdir} lies inside the mount at ${missing.parent}, but ${missing.hostPath} does not exist`,
      );
    }
  }

  // What runs: the job file, a generated script, or the image's own command.
  let script: string | undefined;
  let command: string[] = [];
  let entrypoint: string | undefined;
  if (request.rawArgs) {
    if (!config.security.allowRawArgs)
      refusals.add('LSF_DOCKER_RUN_RAW_ARGS', 'is not allowed on this cluster ([security] allow_raw_args)');
    entrypoint = request.entrypoint;
    decisions.push('raw args: the image runs its own CMD/ENTRYPOINT');
  } else {
    entrypoint = request.entrypoint ?? '/bin/sh';
    const jobFile = jobFileOf(request, identity, probe);
    if (jobFile) {
      uniqueMounts.push({ source: jobFile, target: jobFile, readOnly: true, origin: 'jobfile' });
      command = [jobFile];
      decisions.push(`job file ${jobFile} mounted read-only and run`);
    } else {
      script = renderScript(request.command);
      command = [CONTAINER_SCRIPT];
    }
  }
  if (request.entrypoint && !config.security.allowEntrypoint) {
    refusals.add('LSF_DOCKER_ENTRYPOINT', 'is not allowed on this cluster ([security] allow_entrypoint)');
  }

  // Network, ipc, ports, hosts, cgroup.
  if (!modeAllowed(request.network, config.network.allow)) {
    refusals.add(
      'LSF_DOCKER_NETWORK',
      `"${request.network}" is not an allowed network (allowed: ${config.network.allow.join(', ')})`,
    );
  }
  if (!modeAllowed(request.ipc, config.ipc.allow)) {
    refusals.add(
      'LSF_DOCKER_IPC',
      `"${request.ipc}" is not an allowed ipc mode (allowed: ${config.ipc.allow.join(', ')})`,
    );
  }
  const ports: string[] = [];
  if (request.ports.length > 0 && (request.network === 'host' || request.network === 'none')) {
    refusals.add('LSF_DOCKER_PORTS', `ports cannot be published with LSF_DOCKER_NETWORK=${request.network}`);
  }
  for (const p of request.ports) {
    if (p.hostFirst < config.ports.first || p.hostLast > config.ports.last) {
      refusals.add(
        'LSF_DOCKER_PORTS',
        `"${p.text}": host ports must be in ${config.ports.first}-${config.ports.last}`,
      );
      continue;
    }
    if (config.ports.requireReservation) {
      const rr = request.job.resourceRequest ?? '';
      for (let port = p.hostFirst; port <= p.hostLast; port++) {
        if (!new RegExp(`\\bport${port}\\s*=\\s*1\\b`).test(rr)) {
          refusals.add(
            'LSF_DOCKER_PORTS',
            `host port ${port} is not reserved: submit with -R 'select[port${port}=1]'`,
          );
        }
      }
    }
    ports.push(portArg(p));
  }
  const addHosts = request.addHosts.map((h) => `${h.name}:${h.ip}`);
  for (const file of request.addHostFiles) {
    let text = '';
    try {
      text = probe.readUserFile(file);
    } catch (err) {
      refusals.add('LSF_DOCKER_ADD_HOST_FILE', `${file}: ${(err as Error).message}`);
      continue;
    }
    text.split('\n').forEach((line, i) => {
      const entry = line.replace(/#.*/, '').trim();
      if (entry === '') return;
      for (const word of splitWords(entry)) {
        const parsed = parseHostEntry(word);
        if (parsed.ok) addHosts.push(`${parsed.host.name}:${parsed.host.ip}`);
        else refusals.add('LSF_DOCKER_ADD_HOST_FILE', `${file} line ${i + 1}: ${parsed.reason}`);
      }
    });
  }
  let cgroupParent: string | undefined;
  if (request.cgroupParent) {
    if (config.security.allowCgroupParent.some((root) => isWithin(request.cgroupParent!, root))) {
      cgroupParent = request.cgroupParent;
    } else {
      refusals.add(
        'LSF_DOCKER_CGROUP',
        `"${request.cgroupParent}" is not allowed ([security] allow_cgroup_parent)`,
      );
    }
  }
  if (
    request.shmSize !== undefined &&
    config.resources.maxShmSize !== undefined &&
    request.shmSize > config.resources.maxShmSize
  ) {
    refusals.add(
      'LSF_DOCKER_SHM_SIZE',
      `${formatSize(request.shmSize)} is above the limit of ${formatSize(config.resources.maxShmSize)}`,
    );
  }

  // Resources.
  const cpuShares = Math.min(262144, Math.max(2, request.job.slots * config.resources.cpuSharesPerSlot));
  const rss = probe.rssLimit();
  let memory = rss ?? config.resources.memory;
  if (rss !== undefined) decisions.push(`memory ${formatSize(rss)} from the job's limit (bsub -M)`);
  if (
    memory !== undefined &&
    config.resources.maxMemory !== undefined &&
    memory > config.resources.maxMemory
  ) {
    decisions.push(`memory capped at [resources] max_memory ${formatSize(config.resources.maxMemory)}`);
    memory = config.resources.maxMemory;
  }
  const memorySwap = memory === undefined ? undefined : config.resources.swap === 'unlimited' ? -1 : memory;

  // Devices.
  const devices = config.devices.infiniband.filter((d) => probe.stat(d) !== undefined);
  const hostGpus = probe.hostGpus();
  let gpus: string | undefined;
  let nvidiaVisible = 'void';
  let containerCuda: string | undefined;
  if (config.devices.gpus === 'off') decisions.push('GPUs disabled by the admin');
  else if (hostGpus.length === 0) decisions.push('this host has no GPU: none passed');
  else if (config.devices.gpus === 'all') {
    gpus = 'all';
    nvidiaVisible = 'all';
    decisions.push('all GPUs passed ([devices] gpus = all)');
  } else if (request.job.gpus && request.job.gpus.length > 0) {
    // CUDA_VISIBLE_DEVICES alone could be exported by the user at submission: it counts as an
    // allocation only for a job whose effective resource request (set by LSF) asks for GPUs,
    // and only for GPUs this host has.
    const list = request.job.gpus.join(',');
    const missing = request.job.gpus.filter((g) => /^\d+$/.test(g) && !hostGpus.includes(g));
    const asked = gpusAsked(request.job.effectiveResourceRequest);
    if (asked === 0) {
      decisions.push(
        `CUDA_VISIBLE_DEVICES=${list} but the job's resource request asks for no GPU: none passed`,
      );
    } else if (request.job.gpus.length > asked) {
      refusals.add(
        'CUDA_VISIBLE_DEVICES',
        `${request.job.gpus.length} GPUs listed, but the job's resource request asks for ${asked}`,
      );
    } else if (missing.length > 0) {
      refusals.add(
        'CUDA_VISIBLE_DEVICES',
        `GPU ${missing.join(',')} does not exist on this host (it has ${hostGpus.join(',')})`,
      );
    } else {
      gpus = `"device=${list}"`;
      nvidiaVisible = list;
      // Inside the container the GPUs passed are numbered from 0 again.
      containerCuda = request.job.gpus.map((_, i) => String(i)).join(',');
      decisions.push(`GPUs ${list} passed (allocated by LSF), seen inside as ${containerCuda}`);
    }
  } else decisions.push('no GPU allocated to this job: none passed');

  // Environment.
  const deny = denyPatterns(config.environment.deny);
  const preserve = request.preserveEnvironment ?? config.environment.preserve;
  const base: Array<[string, string]> = preserve
    ? Object.entries(request.env)
    : Object.entries(request.env).filter(([name]) => JOB_VARIABLES.includes(name));
  const userFiles: Array<[string, string]> = [];
  for (const file of request.envFiles) {
    let text: string;
    try {
      text = probe.readUserFile(file);
    } catch (err) {
      refusals.add('LSF_DOCKER_ENV_FILE', `${file}: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseEnvFile(text, file);
    for (const e of parsed.errors) refusals.add('LSF_DOCKER_ENV_FILE', e);
    userFiles.push(...parsed.entries);
  }
  const wrapperVars: Array<[string, string]> = [['NVIDIA_VISIBLE_DEVICES', nvidiaVisible]];
  if (containerCuda !== undefined) wrapperVars.push(['CUDA_VISIBLE_DEVICES', containerCuda]);
  // Always the user's own: under sudo the wrapper's environment holds root's.
  wrapperVars.push(['HOME', identity.home], ['USER', identity.user], ['LOGNAME', identity.user]);
  if (request.job.interactive) wrapperVars.push(['LSF_NIOS_JOBSTATUS_INTERVAL', '1']);
  if (jobTmpdir !== undefined && (request.env.TMPDIR === undefined || request.env.TMPDIR === jobTmpdir)) {
    wrapperVars.push(['TMPDIR', '/tmp']);
  }
  const env = filterEnvironment([base, userFiles, wrapperVars], deny);
  for (const d of env.dropped) decisions.push(`environment: ${d.name} dropped (${d.reason})`);
  decisions.push(preserve ? 'environment preserved' : 'environment not preserved: job variables only');

  refusals.throwIfAny();

  const jobTag = request.job.id !== undefined ? `${request.job.id}_${request.job.index}` : 'local';
  const tty = request.job.interactive && probe.stdinIsTty();
  return {
    image,
    pull: config.docker.pull,
    uid: identity.uid,
    gid: identity.gid,
    groups: identity.groups,
    name: `lsf_${jobTag}_${probe.pid}`,
    hostname: probe.hostname,
    labels: [
      ['lsf-docker.managed', 'true'],
      ['lsf-docker.job', request.job.id !== undefined ? String(request.job.id) : ''],
      ['lsf-docker.index', String(request.job.index)],
      ['lsf-docker.uid', String(identity.uid)],
      ['lsf-docker.host', probe.hostname],
      ['lsf-docker.pid', String(probe.pid)],
    ],
    workdir,
    mounts: uniqueMounts,
    env: env.kept,
    capAdd: config.security.capAdd,
    selinuxLabels: config.security.selinuxLabels,
    pidsLimit: config.security.pidsLimit,
    network: request.network,
    ipc: request.ipc,
    shmSize: request.shmSize,
    ports,
    addHosts,
    cgroupParent,
    cpuShares,
    memory,
    memorySwap,
    ulimits: config.resources.ulimits,
    devices,
    gpus,
    interactive: request.job.interactive,
    tty,
    entrypoint,
    command,
    script,
    passwd: renderPasswd(identity),
    group: renderGroup(identity),
    decisions,
  };
}
