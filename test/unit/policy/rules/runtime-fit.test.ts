/**
 * runtimeFitRule: what the runtime on this host cannot give a job, judged from its capabilities
 * (never its name): limits refused (228) or warned per [resources] unenforceable, host groups
 * dropped with a WARNING naming them, docker's host-gateway refused by name. Also the keys.
 */
import { describe, expect, test } from '@jest/globals';
import { parse as parseIni } from 'ini';
import { configFromIni } from '../../../../lib/config/load.js';
import { ExitCode } from '../../../../lib/kernel/exit-codes.js';
import { decideContainerSpec } from '../../../../lib/policy/decide.js';
import { runtimeFitRule } from '../../../../lib/policy/rules/runtime-fit.js';
import { DOCKER_CAPABILITIES } from '../../../../lib/runtime/docker/runtime.js';
import { podmanCapabilities } from '../../../../lib/runtime/podman/capabilities.js';
import type { RuntimeCapabilities } from '../../../../lib/runtime/types.js';
import { errorOf } from '../../helpers/errors.js';
import { ALICE, requestFor, testConfig, testHost } from '../../helpers/fixtures.js';

const ROOTLESS_V1 = podmanCapabilities({ rootless: true, cgroup: 'v1', controllers: [] });
const ROOTFUL = podmanCapabilities({ rootless: false, cgroup: 'v1', controllers: [] });

function decide(
  caps: RuntimeCapabilities,
  env: Record<string, string> = {},
  unenforceable: 'refuse' | 'warn' = 'refuse',
) {
  return decideContainerSpec({
    request: requestFor(env),
    config: testConfig((c) => {
      c.resources.unenforceable = unenforceable;
    }),
    identity: ALICE,
    probe: testHost(),
    runtime: caps,
  });
}

describe('limits the runtime cannot enforce', () => {
  test('refuse (the default): one line naming the limits and the runtime, exit 228', () => {
    const err = errorOf(() => decide(ROOTLESS_V1));
    expect(err.code).toBe(ExitCode.UNENFORCEABLE_LIMITS);
    expect(err.message).toBe(
      '[resources] unenforceable: rootless podman on cgroup v1 cannot enforce memory 4g, cpu shares 1024, pids limit 4096: the job is refused (the admin may set unenforceable = warn to run such jobs without them)',
    );
  });

  test('warn: the job runs, one WARNING line for its output, the decision logged', () => {
    const spec = decide(ROOTLESS_V1, {}, 'warn');
    expect(spec.warnings?.[0]).toBe(
      'WARNING: rootless podman on cgroup v1 cannot enforce memory 4g, cpu shares 1024, pids limit 4096: the job runs without them ([resources] unenforceable = warn)',
    );
    expect(spec.decisions.join('\n')).toMatch(/cannot enforce memory 4g.*run without them/);
  });

  test('a cgroup parent the job asked for counts among them; no memory limit, none named', () => {
    const config = testConfig((c) => {
      c.resources.memory = undefined;
      c.security.allowCgroupParent = ['/lsf'];
    });
    const err = errorOf(() =>
      decideContainerSpec({
        request: requestFor({ LSF_DOCKER_CGROUP: '/lsf/job1' }),
        config,
        identity: ALICE,
        probe: testHost(),
        runtime: ROOTLESS_V1,
      }),
    );
    expect(err.message).toMatch(
      /cannot enforce cpu shares 1024, pids limit 4096, cgroup parent \/lsf\/job1: /,
    );
  });

  test('a runtime that enforces them (docker, rootful podman): no refusal, no warning', () => {
    expect(decide(DOCKER_CAPABILITIES).warnings).toEqual([]);
    expect(decide(ROOTFUL).warnings).toEqual([]);
  });

  test('an unenforceable refusal comes after the policy refusals of the same job (their code first)', () => {
    const err = errorOf(() => decide(ROOTLESS_V1, { LSF_DOCKER_NETWORK: 'bogus' }));
    expect(err.code).toBe(ExitCode.POLICY);
    expect(err.message.split('\n')).toHaveLength(2);
    expect(err.message).toMatch(/\[resources\] unenforceable: rootless podman/);
  });
});

describe('host groups', () => {
  test('rootless: dropped, with one WARNING naming each (name and gid)', () => {
    const spec = decide(ROOTLESS_V1, {}, 'warn');
    expect(spec.identity.groups).toEqual([]);
    expect(spec.warnings?.[1]).toBe(
      'WARNING: rootless podman on cgroup v1 cannot give the job your host groups users(100), lab(4300): files only those groups may use on the host are not accessible in the job',
    );
  });

  test('rootful podman and docker keep them, silently', () => {
    expect(decide(ROOTFUL).identity.groups).toEqual([100, 4300]);
    expect(decide(DOCKER_CAPABILITIES).identity.groups).toEqual([100, 4300]);
  });

  test('no supplementary groups: nothing to say', () => {
    const fit = runtimeFitRule(
      {
        identity: { ...ALICE, groups: [] },
        resources: { cpuShares: 2, swap: 'none', ulimits: [], pidsLimit: 0 },
        network: { hostname: 'h', ports: [], extraHosts: [] },
      },
      ROOTLESS_V1,
      testConfig((c) => {
        c.resources.unenforceable = 'warn';
      }),
    );
    expect(fit.ok && fit.part.warnings).toEqual([
      'WARNING: rootless podman on cgroup v1 cannot enforce cpu shares 2: the job runs without them ([resources] unenforceable = warn)',
    ]);
  });
});

describe('host-gateway', () => {
  test('podman: refused by name (213), naming the entry and what to give instead', () => {
    const err = errorOf(() => decide(ROOTFUL, { LSF_DOCKER_ADD_HOST: 'db:10.0.0.5 gw:host-gateway' }));
    expect(err.code).toBe(ExitCode.POLICY);
    expect(err.message).toBe(
      `LSF_DOCKER_ADD_HOST: "gw:host-gateway": host-gateway is docker's name for the host and rootful podman on cgroup v1 does not know it: give the host's IP address`,
    );
  });

  test('docker: passed through', () => {
    const spec = decide(DOCKER_CAPABILITIES, { LSF_DOCKER_ADD_HOST: 'gw:host-gateway' });
    expect(spec.network.extraHosts).toEqual([{ name: 'gw', address: 'host-gateway' }]);
  });
});

describe('the keys', () => {
  const load = (text: string) => configFromIni(parseIni(text), '/etc/lsf-docker/test.conf');

  test.each([
    ['', 'docker', 'docker'],
    ['[docker]\nengine = podman', 'podman', 'podman'],
    ['[docker]\nengine = podman\nbinary = /usr/local/bin/podman', 'podman', '/usr/local/bin/podman'],
    ['[docker]\nbinary = /usr/local/bin/podman\nengine = podman', 'podman', '/usr/local/bin/podman'],
  ])('%j: engine %s, binary %s', (text, engine, binary) => {
    const c = load(text);
    expect([c.docker.engine, c.docker.binary]).toEqual([engine, binary]);
  });

  test('engine, unenforceable: one of their values', () => {
    expect(errorOf(() => load('[docker]\nengine = rkt')).message).toMatch(
      /engine.*must be one of docker, podman/,
    );
    expect(load('[resources]\nunenforceable = warn').resources.unenforceable).toBe('warn');
    expect(load('').resources.unenforceable).toBe('refuse');
    expect(errorOf(() => load('[resources]\nunenforceable = ignore')).message).toMatch(
      /must be one of refuse, warn/,
    );
    expect(load('[images]\ninsecure_registries[] = 127.0.0.1:5000').images.insecureRegistries).toEqual([
      '127.0.0.1:5000',
    ]);
  });
});
