/**
 * A profile job through the whole pure pipeline: effectiveConfig -> policy -> the spec with the
 * profile's name and label -> docker argv, against the fixed world of the unit tests (alice).
 */
import { describe, expect, test } from '@jest/globals';
import { effectiveConfig } from '../../../lib/config/profiles/effective.js';
import { whoOf } from '../../../lib/config/profiles/who.js';
import type { Config } from '../../../lib/config/schema.js';
import { renderJobFiles } from '../../../lib/job/artifacts.js';
import { withProfile } from '../../../lib/job/profile-spec.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { dockerRunArgv } from '../../../lib/runtime/docker/argv/run.js';
import { errorOf } from '../helpers/errors.js';
import { device, dir, file } from '../helpers/fake-host.js';
import { ALICE, FILES, jobEnv, specFor, testConfig, testHost } from '../helpers/fixtures.js';
import { HOST, load } from './helpers.js';

/** The test config (volume roots /data, /scratch), locked down, with a profile for group lab (alice's). */
function withReadout(extra = ''): Config {
  const c = load(`
[network]
allow[] = default
[ipc]
allow[] = private
[environment]
preserve = false
[profile readout]
groups[] = lab
container_name = readout
network.allow[] = host
ipc.allow[] = host
mounts.mount[] = type=bind,source=/lib/modules/{kernel},target=/lib/modules/{kernel},readonly
devices.device[] = /dev/pda0
devices.device[] = /dev/pda9
devices.device[] = /dev/shm/x
devices.device[] = /dev/infiniband/uverbs0
environment.pass[] = O2_DETECTOR
environment.pass[] = O2_ROLE
${extra}`);
  return {
    ...testConfig(),
    network: c.network,
    ipc: c.ipc,
    environment: c.environment,
    profiles: c.profiles,
  };
}

const HOSTED = testHost({
  paths: {
    '/lib': dir(0),
    '/lib/modules': dir(0),
    '/lib/modules/6.1.0-21-amd64': dir(0),
    '/dev/pda0': device(0, 0o660),
    '/dev/shm/x': file(4201),
  },
});

function run(env: Record<string, string>, config = withReadout()) {
  const { config: effective, profile } = effectiveConfig(
    config,
    whoOf(ALICE),
    env.LSF_DOCKER_PROFILE ? { name: env.LSF_DOCKER_PROFILE, source: 'LSF_DOCKER_PROFILE' } : undefined,
    HOST,
  );
  const decided = specFor({ env: jobEnv(env), command: ['o2-readout-exe'], config: effective, host: HOSTED });
  const spec = profile ? withProfile(decided, profile) : decided;
  return { spec, argv: dockerRunArgv(spec, FILES), files: renderJobFiles(spec) };
}

const O2 = { O2_DETECTOR: 'TPC', O2_ROLE: 'flp001', FOO: 'bar' };
const HOST_MODES = { LSF_DOCKER_NETWORK: 'host', LSF_DOCKER_IPC: 'host' };

describe('the readout profile, for alice (group lab)', () => {
  const { spec, argv, files } = run({ LSF_DOCKER_PROFILE: 'readout', ...HOST_MODES, ...O2 });

  test('host network and ipc, the modules read-only, the devices present, the fixed name and label', () => {
    expect(argv).toContain('--network=host');
    expect(argv).toContain('--ipc=host');
    expect(argv).toContain(
      'type=bind,source=/lib/modules/6.1.0-21-amd64,target=/lib/modules/6.1.0-21-amd64,readonly',
    );
    expect(argv).toContain('--device=/dev/pda0');
    expect(argv).not.toContain('--device=/dev/pda9');
    expect(argv).not.toContain('--device=/dev/shm/x');
    expect(argv.filter((a) => a === '--device=/dev/infiniband/uverbs0')).toHaveLength(1);
    expect(argv).toContain('--name=readout');
    expect(argv).toContain('lsf-docker.profile=readout');
    expect(spec.name).toBe('readout');
  });

  test('still locked down where the profile widens nothing', () => {
    expect(argv).toContain('--cap-drop=ALL');
    expect(argv).toContain('--security-opt=no-new-privileges');
    expect(argv).not.toContain('--privileged');
    expect(argv).toContain(`${ALICE.uid}:${ALICE.gid}`);
  });

  test('the O2 variables and the job variables, nothing else of the job (preserve is off)', () => {
    const names = files.env
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=')[0]);
    expect(names).toEqual(expect.arrayContaining(['O2_DETECTOR', 'O2_ROLE', 'LSB_JOBID']));
    expect(names).not.toContain('FOO');
    expect(names).not.toContain('PATH');
    expect(files.env).toContain('O2_DETECTOR=TPC\n');
  });

  test('the decisions say which profile applied and what it widened', () => {
    expect(spec.decisions[0]).toBe(
      'profile readout (LSF_DOCKER_PROFILE, granted to group lab) widened: network.allow += host; ipc.allow += host; mounts.mount += type=bind,source=/lib/modules/6.1.0-21-amd64,target=/lib/modules/6.1.0-21-amd64,readonly; devices.device += /dev/pda0, /dev/pda9, /dev/shm/x, /dev/infiniband/uverbs0; environment.pass += O2_DETECTOR, O2_ROLE',
    );
    expect(spec.decisions).toContain('device /dev/pda9 absent on this host: skipped');
    expect(spec.decisions).toContain('device /dev/shm/x is not a device node: skipped');
    expect(spec.decisions).toContain(
      'environment: O2_DETECTOR, O2_ROLE passed when set ([environment] pass)',
    );
  });
});

describe('without the profile, the same job gets the default policy', () => {
  test('host network and ipc are refused (213)', () => {
    const err = errorOf(() => run({ ...HOST_MODES, ...O2 }));
    expect(err.code).toBe(ExitCode.POLICY);
    expect(err.message).toMatch(/LSF_DOCKER_NETWORK: "host" is not an allowed network \(allowed: default\)/);
    expect(err.message).toMatch(/LSF_DOCKER_IPC: "host" is not an allowed ipc mode/);
  });

  test('the config with a profile defined is for everyone else the config without it', () => {
    const config = withReadout();
    const plain = run({ ...O2 }, config);
    const without = run({ ...O2 }, { ...config, profiles: {} });
    expect(plain.argv).toEqual(without.argv);
    expect(plain.spec.name).toBe('lsf_123_0_4242');
    expect(plain.argv.join(' ')).not.toMatch(/lib\/modules|pda0|lsf-docker\.profile/);
  });
});

describe('a profile is no way around the volume rules it does not widen', () => {
  test.each<[string, RegExp]>([
    ['/etc:/hostetc', /\/etc is not under an allowed volume root/],
    ['/lib/modules/6.1.0-21-amd64:/m', /is not under an allowed volume root/],
    ['/data/alice/in:/lib/modules/6.1.0-21-amd64', /is already mounted \(admin\)/],
    ['/data/alice/in:/proc/x', /lies in the protected \/proc/],
    ['/var/run:/sock', /is a protected host path|not under an allowed volume root/],
  ])('LSF_DOCKER_VOLUMES=%s is refused (213)', (volumes, reason) => {
    const err = errorOf(() => run({ LSF_DOCKER_PROFILE: 'readout', LSF_DOCKER_VOLUMES: volumes }));
    expect(err.code).toBe(ExitCode.POLICY);
    expect(err.message).toMatch(reason);
  });
});

describe('security.privileged: explicit and loud', () => {
  test('--privileged in the argv, and a decision that says root-equivalent', () => {
    const { argv, spec } = run(
      { LSF_DOCKER_PROFILE: 'readout' },
      withReadout('security.privileged = true\n'),
    );
    expect(argv).toContain('--privileged');
    expect(argv).toContain('--security-opt=no-new-privileges');
    expect(spec.security.privileged).toBe(true);
    expect(spec.decisions).toContain(
      'PRIVILEGED container ([security] privileged = true): root-equivalent on this host',
    );
  });
});
