import type { PortMapping } from '../../container-spec.js';
import type { BodySection } from './section.js';
import type { ApiPortBinding } from './types.js';

/** Each published port one by one (ranges written out, as the CLI expands them): "PORT/PROTO" -> bindings. Pure. */
export function portBindings(ports: PortMapping[]): Record<string, ApiPortBinding[]> {
  const bindings: Record<string, ApiPortBinding[]> = {};
  for (const p of ports) {
    for (let i = 0; i < p.range; i++) {
      const key = `${p.containerPort + i}/${p.protocol}`;
      const binding = { HostIp: '', HostPort: String(p.hostPort + i) };
      bindings[key] = [...(bindings[key] ?? []), binding];
    }
  }
  return bindings;
}

/** Network and ipc modes, /dev/shm's size, published ports, extra /etc/hosts entries (argv: networkArgs). */
export const networkBody: BodySection = ({ network }) => {
  const bindings = portBindings(network.ports);
  const host: ReturnType<BodySection>['host'] = {
    NetworkMode: network.mode ?? 'default',
    PortBindings: bindings,
    ExtraHosts: network.extraHosts.map((h) => `${h.name}:${h.address}`),
  };
  if (network.ipc) host.IpcMode = network.ipc;
  if (network.shmSize !== undefined) host.ShmSize = network.shmSize;
  const exposed = Object.fromEntries(Object.keys(bindings).map((k) => [k, {}]));
  return { config: { ExposedPorts: exposed }, host };
};
