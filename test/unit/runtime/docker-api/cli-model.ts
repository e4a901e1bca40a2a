/**
 * What the docker CLI (28.x, talking API 1.41) puts into `POST /containers/create` for the
 * wrapper's `docker run` flags, written down from its recorded requests (the integration test
 * test/itg/engine-api.test.ts compares the API runtime with the real CLI). A second, independent
 * reading of the argv: the API runtime's body sections must agree with it concern by concern.
 */
import type { BodyPart, CreateBody } from '../../../../lib/runtime/docker-api/body/types.js';

type Config = NonNullable<BodyPart['config']>;
type Host = NonNullable<BodyPart['host']>;

/** Options and the value each takes ("--flag value" or "--flag=value"); the rest are switches. */
const TAKES_VALUE = new Set([
  '--pull',
  '--name',
  '--cidfile',
  '--hostname',
  '--label',
  '--user',
  '--group-add',
  '--mount',
  '--workdir',
  '--cap-drop',
  '--cap-add',
  '--security-opt',
  '--pids-limit',
  '--sig-proxy',
  '--network',
  '--ipc',
  '--shm-size',
  '--publish',
  '--add-host',
  '--cgroup-parent',
  '--cpu-shares',
  '--memory',
  '--memory-swap',
  '--ulimit',
  '--device',
  '--gpus',
  '--env-file',
  '--entrypoint',
  '--env',
]);

/** docker's --env-file reading (kvfile): lines trimmed on the left, blank and # lines skipped, NAME=value literally. */
export function envFileLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** A port or a range "A-B" as a list of numbers. */
function range(text: string): number[] {
  const [a, b = a] = text.split('-').map(Number);
  return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
}

function publish(value: string, config: Config, host: Host): void {
  const [ports, proto = 'tcp'] = value.split('/');
  const [hostPart, containerPart] = ports!.split(':');
  const hostPorts = range(hostPart!);
  range(containerPart!).forEach((port, i) => {
    const key = `${port}/${proto}`;
    config.ExposedPorts = { ...config.ExposedPorts, [key]: {} };
    host.PortBindings = {
      ...host.PortBindings,
      [key]: [...(host.PortBindings?.[key] ?? []), { HostIp: '', HostPort: String(hostPorts[i]) }],
    };
  });
}

function mount(value: string): NonNullable<Host['Mounts']>[number] {
  const fields = Object.fromEntries(
    value.split(',').map((f) => {
      const eq = f.indexOf('=');
      return eq < 0 ? [f, 'true'] : [f.slice(0, eq), f.slice(eq + 1)];
    }),
  );
  const m: NonNullable<Host['Mounts']>[number] = {
    Type: 'bind',
    Source: fields.source ?? '',
    Target: fields.target ?? '',
  };
  if (fields.readonly === 'true') m.ReadOnly = true;
  if (fields['bind-propagation']) m.BindOptions = { Propagation: fields['bind-propagation'] };
  return m;
}

function ulimit(value: string) {
  const [name, limits] = value.split('=');
  const [soft, hard = soft] = limits!.split(':').map(Number);
  return { Name: name!, Soft: soft!, Hard: hard! };
}

function gpus(value: string) {
  const unquoted = value.replace(/^"|"$/g, '');
  if (unquoted === 'all')
    return { Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} };
  const ids = unquoted.replace(/^device=/, '').split(',');
  return { Driver: '', Count: 0, DeviceIDs: ids, Capabilities: [['gpu']], Options: {} };
}

/** One flag's effect on the body, as the CLI makes it. */
function apply(flag: string, value: string, c: Config, h: Host, files: { env: string }): void {
  const push = <K extends keyof Host>(key: K, item: unknown) => {
    (h as Record<string, unknown>)[key] = [...((h[key] as unknown[] | undefined) ?? []), item];
  };
  switch (flag) {
    case '--rm':
      h.AutoRemove = true;
      break;
    case '--cidfile':
      h.ContainerIDFile = value;
      break;
    case '--hostname':
      c.Hostname = value;
      break;
    case '--label': {
      const eq = value.indexOf('=');
      c.Labels = { ...c.Labels, [value.slice(0, eq)]: value.slice(eq + 1) };
      break;
    }
    case '--user':
      c.User = value;
      break;
    case '--group-add':
      push('GroupAdd', value);
      break;
    case '--mount':
      push('Mounts', mount(value));
      break;
    case '--workdir':
      c.WorkingDir = value;
      break;
    case '--cap-drop':
      push('CapDrop', value);
      break;
    case '--cap-add':
      push('CapAdd', value.startsWith('CAP_') ? value : `CAP_${value.toUpperCase()}`);
      h.CapAdd?.sort();
      break;
    case '--security-opt':
      push('SecurityOpt', value);
      break;
    case '--init':
      h.Init = true;
      break;
    case '--pids-limit':
      h.PidsLimit = Number(value);
      break;
    case '--interactive':
      c.AttachStdin = true;
      c.OpenStdin = true;
      c.StdinOnce = true;
      break;
    case '--tty':
      c.Tty = true;
      break;
    case '--network':
      h.NetworkMode = value;
      break;
    case '--ipc':
      h.IpcMode = value;
      break;
    case '--shm-size':
      h.ShmSize = Number(value);
      break;
    case '--publish':
      publish(value, c, h);
      break;
    case '--add-host':
      push('ExtraHosts', value);
      break;
    case '--cgroup-parent':
      h.CgroupParent = value;
      break;
    case '--cpu-shares':
      h.CpuShares = Number(value);
      break;
    case '--memory':
      h.Memory = Number(value);
      break;
    case '--memory-swap':
      h.MemorySwap = Number(value);
      break;
    case '--ulimit':
      push('Ulimits', ulimit(value));
      break;
    case '--device':
      push('Devices', { PathOnHost: value, PathInContainer: value, CgroupPermissions: 'rwm' });
      break;
    case '--gpus':
      push('DeviceRequests', gpus(value));
      break;
    case '--env-file':
      c.Env = [...envFileLines(files.env), ...(c.Env ?? [])];
      break;
    case '--env':
      // After the env-file's, whatever the order of the flags (the CLI reads the files first).
      c.Env = [...(c.Env ?? []), value];
      break;
    case '--privileged':
      h.Privileged = true;
      break;
    case '--entrypoint':
      c.Entrypoint = [value];
      break;
    // run, --pull=never, --name (the create call's query), --sig-proxy: nothing in the body.
  }
}

/**
 * The body the CLI sends for ARGV (a whole run argv or one section of it), with the env-file's
 * text ENV. Includes what the CLI sets for every non-detached run: stdout and stderr attached,
 * the default network.
 */
export function cliBody(argv: string[], files: { env: string }): BodyPart {
  const c: Config = {};
  const h: Host = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      c.Image = argv[i + 1];
      if (argv.length > i + 2) c.Cmd = argv.slice(i + 2);
      break;
    }
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq >= 0 ? arg.slice(eq + 1) : TAKES_VALUE.has(flag) ? argv[++i]! : '';
    apply(flag, value, c, h, files);
  }
  return { config: c, host: h };
}

/** The defaults every `docker run` (not detached) sends whatever its flags: stdout and stderr attached, the default network. */
export const CLI_RUN_DEFAULTS: BodyPart = {
  config: { AttachStdout: true, AttachStderr: true },
  host: { NetworkMode: 'default' },
};

/**
 * Fields the CLI always sends with the value the daemon assumes when they are absent: no console
 * size (no terminal), swappiness -1 (the kernel's), restart policy "no".
 */
const CLI_EXPLICIT_DEFAULTS: Record<string, string> = {
  ConsoleSize: '[0,0]',
  MemorySwappiness: '-1',
  RestartPolicy: '{"Name":"no","MaximumRetryCount":0}',
};

/**
 * A body with the zero values the daemon reads as absent (Go's zero values: '', false, 0, null,
 * empty lists and maps) and the CLI's explicit defaults removed, Entrypoint and Cmd excepted (an
 * empty one replaces the image's, null does not).
 */
export function withoutZeros<T extends object>(body: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (CLI_EXPLICIT_DEFAULTS[key] === JSON.stringify(value)) continue;
    if (key === 'Entrypoint' || key === 'Cmd') {
      // null is Go's nil (the image's own); an empty list is not.
      if (value !== null && value !== undefined) out[key] = value;
      continue;
    }
    const nested =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      key !== 'Labels' &&
      key !== 'ExposedPorts'
        ? withoutZeros(value as object)
        : value;
    const zero =
      nested === '' ||
      nested === false ||
      nested === 0 ||
      nested === null ||
      nested === undefined ||
      (Array.isArray(nested) && nested.length === 0) ||
      (typeof nested === 'object' && nested !== null && Object.keys(nested).length === 0);
    if (!zero) out[key] = nested;
  }
  return out as Partial<T>;
}

/** A BodyPart as a create body, for comparing with whole bodies. */
export function asBody(part: BodyPart): CreateBody {
  const env = part.env?.length ? { Env: [...(part.config?.Env ?? []), ...part.env] } : {};
  return { ...part.config, ...env, HostConfig: { ...part.host } };
}
