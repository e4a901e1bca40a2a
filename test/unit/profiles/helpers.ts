/** Profile configs as an admin writes them, and the people of the profile tests. */
import { parse as parseIni } from 'ini';
import { configFromIni } from '../../../lib/config/load.js';
import type { HostFacts, Who } from '../../../lib/config/profiles/types.js';
import type { Config } from '../../../lib/config/schema.js';

export const SOURCE = '/etc/lsf-docker/test.conf';
export const HOST: HostFacts = { kernel: '6.1.0-21-amd64' };

/** flp: in the readout profile's group pda (supplementary). */
export const FLP: Who = { user: 'flp', uid: 4210, groups: ['flp', 'pda'] };
/** alice: in none of its groups. */
export const ALICE: Who = { user: 'alice', uid: 4201, groups: ['alice', 'users', 'lab'] };

/** Parses an ini config text the way docker_run loads one. */
export const load = (text: string): Config => configFromIni(parseIni(text), SOURCE);

/** The ALICE readout profile of docs/admin-guide-profiles.md, on a locked-down cluster. */
export const READOUT = `
[network]
allow[] = default
allow[] = bridge
allow[] = none
[ipc]
allow[] = private
allow[] = none
[environment]
preserve = false
[profile readout]
groups[] = pda
users[] = ops
container_name = readout
network.allow[] = host
ipc.allow[] = host
mounts.mount[] = type=bind,source=/lib/modules/{kernel},target=/lib/modules/{kernel},readonly
mounts.mount[] = type=bind,source=/var/lib/o2/{user},target=/var/lib/o2
devices.device[] = /dev/pda0
environment.pass[] = O2_DETECTOR
environment.pass[] = O2_PARTITION
environment.pass[] = OCC_CONTROL_PORT
environment.pass[] = O2_SYSTEM
environment.pass[] = O2_ROLE
security.cap_add[] = cap_ipc_lock
resources.ulimit[] = memlock=-1
resources.max_shm_size = 64g
`;
