import { type KeyDef, key, section } from '../key-def.js';
import { bool, portRange } from '../parsers.js';

/** [ports]: the host ports a job may publish. */
export interface PortsConfig {
  first: number;
  last: number;
  requireReservation: boolean;
}

export const portsDefaults = (): PortsConfig => ({
  first: 8000,
  last: 8999,
  requireReservation: false,
});

export const PORTS_KEYS: KeyDef[] = section<PortsConfig>('ports', [
  key('range', portRange, (s, v) => {
    s.first = v[0];
    s.last = v[1];
  }),
  key('require_reservation', bool, (s, v) => (s.requireReservation = v)),
]);
