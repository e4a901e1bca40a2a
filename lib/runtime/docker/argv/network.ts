import type { PortMapping } from '../../container-spec.js';
import type { ArgvSection } from './section.js';

const range = (first: number, count: number) => (count === 1 ? `${first}` : `${first}-${first + count - 1}`);

/** The value of one --publish: HOST:CONTAINER/PROTO, ranges written out. */
export function publishArg(p: PortMapping): string {
  return `${range(p.hostPort, p.range)}:${range(p.containerPort, p.range)}/${p.protocol}`;
}

/** Network and ipc modes, /dev/shm's size, published ports, extra /etc/hosts entries. */
export const networkArgs: ArgvSection = ({ network }) => {
  const a: string[] = [];
  if (network.mode) a.push(`--network=${network.mode}`);
  if (network.ipc) a.push(`--ipc=${network.ipc}`);
  if (network.shmSize !== undefined) a.push(`--shm-size=${network.shmSize}`);
  for (const p of network.ports) a.push('--publish', publishArg(p));
  for (const h of network.extraHosts) a.push(`--add-host=${h.name}:${h.address}`);
  return a;
};
