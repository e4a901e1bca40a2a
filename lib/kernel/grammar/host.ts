import { nodeNet } from '../builtin.js';

/** One --add-host entry: NAME:IP (IPv4, IPv6, or docker's host-gateway). */
export interface HostEntry {
  name: string;
  ip: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export type HostParse = { ok: true; host: HostEntry } | { ok: false; reason: string };

export function parseHostEntry(text: string): HostParse {
  const colon = text.indexOf(':');
  if (colon <= 0) return { ok: false, reason: `"${text}" is not HOSTNAME:IP` };
  const name = text.slice(0, colon);
  const ip = text.slice(colon + 1);
  if (!HOSTNAME.test(name)) return { ok: false, reason: `"${name}" is not a valid host name` };
  if (ip !== 'host-gateway' && nodeNet().isIP(ip) === 0)
    return { ok: false, reason: `"${ip}" is not an IP address` };
  return { ok: true, host: { name, ip } };
}

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text);
}
