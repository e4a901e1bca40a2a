import type { Config } from '../../../../lib/config/schema.js';
import { modeAllowed, networkRule } from '../../../../lib/policy/rules/network.js';
import type { NetworkSpec } from '../../../../lib/runtime/container-spec.js';
import type { FakeHostSpec } from '../../helpers/fake-host.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

const open = (c: Config) => {
  c.network.allow = ['default', 'host', 'none', 'container:*'];
  c.ipc.allow = ['private', 'host'];
  c.ports.requireReservation = false;
  c.resources.maxShmSize = 2 * 1024 ** 3;
};
const rule = (
  env: Record<string, string>,
  config: (c: Config) => void = open,
  host?: Partial<FakeHostSpec>,
) => networkRule(requestFor(env), ruleContext(config, host));
const BASE: NetworkSpec = { hostname: 'node1', ports: [], extraHosts: [] };

describe('modeAllowed', () => {
  test.each<[string | undefined, string[], boolean]>([
    [undefined, [], true],
    ['host', ['host'], true],
    ['host', ['default'], false],
    ['container:abc', ['container:*'], true],
    ['container:abc', ['container:def'], false],
  ])('%s in %j: %s', (value, allow, allowed) => {
    expect(modeAllowed(value, allow)).toBe(allowed);
  });
});

describe('networkRule: namespaces, /dev/shm, ports and extra hosts, typed', () => {
  test.each<[string, Record<string, string>, Partial<NetworkSpec>]>([
    ['the defaults', {}, {}],
    [
      'network and ipc modes',
      { LSF_DOCKER_NETWORK: 'host', LSF_DOCKER_IPC: 'host' },
      { mode: 'host', ipc: 'host' },
    ],
    ['a shm size in bytes', { LSF_DOCKER_SHM_SIZE: '1g' }, { shmSize: 1024 ** 3 }],
    [
      'ports as host port, container port and a count',
      { LSF_DOCKER_PORTS: '8080 8998-8999:80-81/udp' },
      {
        ports: [
          { hostPort: 8080, containerPort: 8080, range: 1, protocol: 'tcp' },
          { hostPort: 8998, containerPort: 80, range: 2, protocol: 'udp' },
        ],
      },
    ],
    [
      'extra hosts from the variable and a file',
      { LSF_DOCKER_ADD_HOST: 'x:1.2.3.4', LSF_DOCKER_ADD_HOST_FILE: '/home/alice/hosts' },
      {
        extraHosts: [
          { name: 'x', address: '1.2.3.4' },
          { name: 'db.local', address: '10.0.0.5' },
          { name: 'gw', address: 'host-gateway' },
        ],
      },
    ],
  ])('%s', (_name, env, part) => {
    expect(rule(env)).toEqual({ ok: true, part: { ...BASE, ...part }, decisions: [] });
  });

  test('ports reserved by the resource request pass when reservations are required', () => {
    const ruling = rule(
      { LSF_DOCKER_PORTS: '8080-8081', LSB_EFFECTIVE_RSRCREQ: 'select[port8080=1 && port8081 = 1]' },
      (c) => {
        open(c);
        c.ports.requireReservation = true;
      },
    );
    expect(ruling).toMatchObject({ ok: true, part: { ports: [{ hostPort: 8080, range: 2 }] } });
  });

  test.each<[string, Record<string, string>, Array<[string, string]>]>([
    [
      'a network not allowed',
      { LSF_DOCKER_NETWORK: 'bridge' },
      [
        [
          'LSF_DOCKER_NETWORK',
          '"bridge" is not an allowed network (allowed: default, host, none, container:*)',
        ],
      ],
    ],
    [
      'an ipc mode not allowed',
      { LSF_DOCKER_IPC: 'shareable' },
      [['LSF_DOCKER_IPC', '"shareable" is not an allowed ipc mode (allowed: private, host)']],
    ],
    [
      'a port out of range',
      { LSF_DOCKER_PORTS: '80' },
      [['LSF_DOCKER_PORTS', '"80": host ports must be in 8000-8999']],
    ],
    [
      'ports with the host network',
      { LSF_DOCKER_PORTS: '8080', LSF_DOCKER_NETWORK: 'host' },
      [['LSF_DOCKER_PORTS', 'ports cannot be published with LSF_DOCKER_NETWORK=host']],
    ],
    [
      'a shm size above the limit',
      { LSF_DOCKER_SHM_SIZE: '4g' },
      [['LSF_DOCKER_SHM_SIZE', '4g is above the limit of 2g']],
    ],
    [
      'an unreadable hosts file',
      { LSF_DOCKER_ADD_HOST_FILE: '/home/alice/none' },
      [['LSF_DOCKER_ADD_HOST_FILE', '/home/alice/none: does not exist']],
    ],
    [
      'every problem at once, in order',
      { LSF_DOCKER_NETWORK: 'bridge', LSF_DOCKER_PORTS: '80', LSF_DOCKER_SHM_SIZE: '4g' },
      [
        [
          'LSF_DOCKER_NETWORK',
          '"bridge" is not an allowed network (allowed: default, host, none, container:*)',
        ],
        ['LSF_DOCKER_PORTS', '"80": host ports must be in 8000-8999'],
        ['LSF_DOCKER_SHM_SIZE', '4g is above the limit of 2g'],
      ],
    ],
  ])('%s: refused', (_name, env, problems) => {
    expect(rule(env)).toEqual({
      ok: false,
      problems: problems.map(([variable, message]) => ({ variable, message })),
    });
  });

  test('a reservation missing for one port of a range', () => {
    const ruling = rule({ LSF_DOCKER_PORTS: '8080-8081', LSB_SUB_RES_REQ: 'select[port8080=1]' }, (c) => {
      open(c);
      c.ports.requireReservation = true;
    });
    expect(ruling).toEqual({
      ok: false,
      problems: [
        {
          variable: 'LSF_DOCKER_PORTS',
          message: "host port 8081 is not reserved: submit with -R 'select[port8081=1]'",
        },
      ],
    });
  });
});
