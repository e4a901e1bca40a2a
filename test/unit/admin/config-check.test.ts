import { describe, expect, test } from '@jest/globals';
import { configWarnings } from '../../../lib/admin/config-check.js';
import { defaultConfig } from '../../../lib/config/schema.js';

describe('configWarnings: settings that load but will not work here', () => {
  test('the built-in defaults raise nothing on a host that has /tmp', () => {
    expect(configWarnings(defaultConfig(), (p) => p === '/tmp')).toEqual([]);
  });

  test('absent roots, mounts and binaries, memlock=-1, all GPUs and container networks are named', () => {
    const c = defaultConfig();
    c.volumes.allow = ['/gpfs/storage1'];
    c.mounts.mount = [
      { source: '/var/lib/sss/pipes', target: '/var/lib/sss/pipes', readOnly: false, text: '' },
    ];
    c.resources.ulimits = ['memlock=-1'];
    c.docker.binary = '/opt/docker/bin/docker';
    c.devices.gpus = 'all';
    c.network.allow = ['default', 'container:*'];
    const warnings = configWarnings(c, (p) => p === '/tmp');
    expect(warnings).toEqual([
      '[volumes] allow: /gpfs/storage1 does not exist on this host',
      '[mounts] mount: /var/lib/sss/pipes is absent here (skipped at run time)',
      '[resources] ulimit: memlock=-1 fails on hosts where root lacks CAP_SYS_RESOURCE (see the admin guide)',
      '[docker] binary: /opt/docker/bin/docker does not exist',
      '[devices] gpus = all: every job sees every GPU of the host',
      "[network] allow: container: modes let a job join another container (another user's too)",
    ]);
  });
});
