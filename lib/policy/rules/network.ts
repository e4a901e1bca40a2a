import { parseHostEntry } from '../../kernel/grammar/host.js';
import type { PortSpec } from '../../kernel/grammar/port.js';
import { formatSize } from '../../kernel/grammar/size.js';
import { splitWords } from '../../kernel/grammar/words.js';
import type { JobRequest } from '../../request/job-request.js';
import type { ExtraHost, NetworkSpec, PortMapping } from '../../runtime/container-spec.js';
import { badLines } from './environment.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** A mode is allowed when listed, or as container:NAME when container:* is listed. */
export function modeAllowed(value: string | undefined, allow: string[]): boolean {
  if (value === undefined) return true;
  if (allow.includes(value)) return true;
  return value.startsWith('container:') && allow.includes('container:*');
}

function checkModes(request: JobRequest, { config }: RuleContext, found: Findings): void {
  if (!modeAllowed(request.network, config.network.allow)) {
    found.refuse(
      'LSF_DOCKER_NETWORK',
      `"${request.network}" is not an allowed network (allowed: ${config.network.allow.join(', ')})`,
    );
  }
  if (!modeAllowed(request.ipc, config.ipc.allow)) {
    found.refuse(
      'LSF_DOCKER_IPC',
      `"${request.ipc}" is not an allowed ipc mode (allowed: ${config.ipc.allow.join(', ')})`,
    );
  }
}

function portRefusals(p: PortSpec, request: JobRequest, { config }: RuleContext): string[] {
  if (p.hostFirst < config.ports.first || p.hostLast > config.ports.last)
    return [`"${p.text}": host ports must be in ${config.ports.first}-${config.ports.last}`];
  if (!config.ports.requireReservation) return [];
  const missing: string[] = [];
  for (let port = p.hostFirst; port <= p.hostLast; port++) {
    if (!request.job.reservedPorts.includes(port))
      missing.push(`host port ${port} is not reserved: submit with -R 'select[port${port}=1]'`);
  }
  return missing;
}

/** LSF_DOCKER_PORTS: host ports in the admin's range, each reserved by the job when the admin says so. */
function publishedPorts(request: JobRequest, ctx: RuleContext, found: Findings): PortMapping[] {
  if (request.ports.length > 0 && (request.network === 'host' || request.network === 'none')) {
    found.refuse('LSF_DOCKER_PORTS', `ports cannot be published with LSF_DOCKER_NETWORK=${request.network}`);
  }
  const ports: PortMapping[] = [];
  for (const p of request.ports) {
    for (const refusal of portRefusals(p, request, ctx)) found.refuse('LSF_DOCKER_PORTS', refusal);
    const range = p.hostLast - p.hostFirst + 1;
    ports.push({ hostPort: p.hostFirst, containerPort: p.containerFirst, range, protocol: p.protocol });
  }
  return ports;
}

/** LSF_DOCKER_ADD_HOST entries, then those of each LSF_DOCKER_ADD_HOST_FILE (read as the user). */
function extraHosts(request: JobRequest, { probe }: RuleContext, found: Findings): ExtraHost[] {
  const hosts = request.addHosts.map((h) => ({ name: h.name, address: h.ip }));
  for (const file of request.addHostFiles) {
    let text = '';
    try {
      text = probe.readUserFile(file);
    } catch (err) {
      found.refuse('LSF_DOCKER_ADD_HOST_FILE', `${file}: ${(err as Error).message}`);
      continue;
    }
    const bad: number[] = [];
    text.split('\n').forEach((line, i) => {
      for (const word of splitWords(line.replace(/#.*/, '').trim())) {
        const parsed = parseHostEntry(word);
        if (parsed.ok) hosts.push({ name: parsed.host.name, address: parsed.host.ip });
        else if (!bad.includes(i + 1)) bad.push(i + 1);
      }
    });
    // By line number only: the file's text never appears in a message.
    if (bad.length > 0) found.refuse('LSF_DOCKER_ADD_HOST_FILE', badLines(file, bad, 'HOSTNAME:IP entries'));
  }
  return hosts;
}

function checkShmSize(request: JobRequest, { config }: RuleContext, found: Findings): void {
  const max = config.resources.maxShmSize;
  if (request.shmSize !== undefined && max !== undefined && request.shmSize > max) {
    found.refuse(
      'LSF_DOCKER_SHM_SIZE',
      `${formatSize(request.shmSize)} is above the limit of ${formatSize(max)}`,
    );
  }
}

/** Network and ipc namespaces, /dev/shm, published ports and extra hosts; the host's name. */
export function networkRule(request: JobRequest, ctx: RuleContext): Ruling<NetworkSpec> {
  const found = new Findings();
  checkModes(request, ctx, found);
  const ports = publishedPorts(request, ctx, found);
  const hosts = extraHosts(request, ctx, found);
  checkShmSize(request, ctx, found);
  return found.ruling({
    hostname: ctx.probe.hostname,
    mode: request.network,
    ipc: request.ipc,
    shmSize: request.shmSize,
    ports,
    extraHosts: hosts,
  });
}
