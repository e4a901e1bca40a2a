/**
 * LSF_DOCKER_PORTS entries: HOST[-HOST2][:CONTAINER[-CONTAINER2]][/tcp|udp|sctp].
 * A lone port (or range) publishes the same container port(s) on the same host port(s); the
 * host ports are what policy checks against the admin's range.
 */
export interface PortSpec {
  hostFirst: number;
  hostLast: number;
  containerFirst: number;
  containerLast: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  text: string;
}

export type PortParse = { ok: true; port: PortSpec } | { ok: false; reason: string };

const SPEC = /^(\d{1,5})(?:-(\d{1,5}))?(?::(\d{1,5})(?:-(\d{1,5}))?)?(?:\/(tcp|udp|sctp))?$/;

export function parsePort(text: string): PortParse {
  const m = SPEC.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not PORT[-PORT][:PORT[-PORT]][/tcp|udp|sctp]` };
  const hostFirst = Number(m[1]);
  const hostLast = m[2] ? Number(m[2]) : hostFirst;
  const containerFirst = m[3] ? Number(m[3]) : hostFirst;
  const containerLast = m[3] ? (m[4] ? Number(m[4]) : containerFirst) : hostLast;
  const all = [hostFirst, hostLast, containerFirst, containerLast];
  if (all.some((p) => p < 1 || p > 65535)) return { ok: false, reason: `"${text}": ports are 1-65535` };
  if (hostLast < hostFirst || containerLast < containerFirst) {
    return { ok: false, reason: `"${text}": a range must go upwards` };
  }
  if (hostLast - hostFirst !== containerLast - containerFirst) {
    return { ok: false, reason: `"${text}": host and container ranges differ in length` };
  }
  return {
    ok: true,
    port: {
      hostFirst,
      hostLast,
      containerFirst,
      containerLast,
      protocol: (m[5] as PortSpec['protocol']) ?? 'tcp',
      text,
    },
  };
}

/** The docker -p value: HOST:CONTAINER/PROTO with ranges written out. */
export function portArg(p: PortSpec): string {
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  return `${range(p.hostFirst, p.hostLast)}:${range(p.containerFirst, p.containerLast)}/${p.protocol}`;
}
