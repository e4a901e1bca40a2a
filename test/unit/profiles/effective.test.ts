/** effectiveConfig: the config a job's policy gets, for who the OS says the user is. */
import { describe, expect, test } from '@jest/globals';
import { effectiveConfig } from '../../../lib/config/profiles/effective.js';
import type { ProfileChoice } from '../../../lib/config/profiles/types.js';
import { grantOf, whoOf } from '../../../lib/config/profiles/who.js';
import { defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { errorOf } from '../helpers/errors.js';
import { ALICE, FLP, HOST, load, READOUT } from './helpers.js';

const readout: ProfileChoice = { name: 'readout', source: 'LSF_DOCKER_PROFILE' };

describe('without a profile', () => {
  test('the config itself, without its profiles', () => {
    const config = load(READOUT);
    const { config: out, profile } = effectiveConfig(config, ALICE, undefined, HOST);
    expect(profile).toBeUndefined();
    expect(out).toEqual({ ...config, profiles: {} });
  });

  test('the defaults stay the defaults (what every job without a profile gets)', () => {
    expect(effectiveConfig(defaultConfig(), ALICE, undefined, HOST).config).toEqual(defaultConfig());
  });

  test('top-level admin mounts get their placeholders filled in too', () => {
    const config = load('[mounts]\nmount[] = type=bind,source=/scratch/{user},target=/scratch,readonly\n');
    const [m] = effectiveConfig(config, ALICE, undefined, HOST).config.mounts.mount;
    expect(m).toEqual({
      source: '/scratch/alice',
      target: '/scratch',
      readOnly: true,
      text: 'type=bind,source=/scratch/alice,target=/scratch,readonly',
    });
  });
});

describe('with the readout profile, for flp (group pda)', () => {
  const config = load(READOUT);
  const { config: out, profile } = effectiveConfig(config, FLP, readout, HOST);

  test('what applied and why, what it widened', () => {
    expect(profile).toEqual({
      name: 'readout',
      source: 'LSF_DOCKER_PROFILE',
      grantedBy: 'group pda',
      containerName: 'readout',
      privileged: false,
      changes: [
        'network.allow += host',
        'ipc.allow += host',
        'mounts.mount += type=bind,source=/lib/modules/6.1.0-21-amd64,target=/lib/modules/6.1.0-21-amd64,readonly, type=bind,source=/var/lib/o2/flp,target=/var/lib/o2',
        'devices.device += /dev/pda0',
        'environment.pass += O2_DETECTOR, O2_PARTITION, OCC_CONTROL_PORT, O2_SYSTEM, O2_ROLE',
        'resources.ulimit: memlock=-1',
      ],
    });
  });

  test('the widened keys; everything else as the top-level config says', () => {
    expect(out.network.allow).toEqual(['default', 'bridge', 'none', 'host']);
    expect(out.ipc.allow).toEqual(['private', 'none', 'host']);
    expect(out.mounts.mount.map((m) => `${m.source}:${m.target}`)).toEqual([
      '/lib/modules/6.1.0-21-amd64:/lib/modules/6.1.0-21-amd64',
      '/var/lib/o2/flp:/var/lib/o2',
    ]);
    expect(out.devices.device).toEqual(['/dev/pda0']);
    expect(out.security.capAdd).toEqual(['CHOWN', 'KILL', 'SETPCAP', 'IPC_LOCK', 'SYS_NICE']);
    expect(out.resources.ulimits).toEqual(['memlock=-1']);
    expect(out.resources.maxShmSize).toBeUndefined(); // no top-level limit: 64g is no widening
    expect(out.environment.preserve).toBe(false);
    expect(out.volumes).toEqual(config.volumes);
    expect(out.security.privileged).toBe(false);
    expect(out.profiles).toEqual({});
  });

  test('the config itself is not changed', () => {
    expect(config.network.allow).toEqual(['default', 'bridge', 'none']);
    expect(config.mounts.mount).toEqual([]);
    expect(Object.keys(config.profiles)).toEqual(['readout']);
  });

  test('a ceiling only rises', () => {
    const c = load(
      '[resources]\nmax_shm_size = 1g\nmax_memory = 128g\n[profile p]\nusers[] = flp\nresources.max_shm_size = 64g\nresources.max_memory = 8g\n',
    );
    const e = effectiveConfig(c, FLP, { name: 'p', source: '--profile' }, HOST);
    expect(e.config.resources.maxShmSize).toBe(64 * 1024 ** 3);
    expect(e.config.resources.maxMemory).toBe(128 * 1024 ** 3);
    expect(e.profile?.changes).toEqual(['resources.max_shm_size: 1g -> 64g']);
  });

  test('privileged: said so in the profile', () => {
    const c = load('[profile p]\nusers[] = flp\nsecurity.privileged = true\n');
    const e = effectiveConfig(c, FLP, { name: 'p', source: '--profile' }, HOST);
    expect(e.config.security.privileged).toBe(true);
    expect(e.profile).toMatchObject({
      privileged: true,
      changes: ['security.privileged = true'],
      grantedBy: 'user flp',
    });
  });
});

describe('who may use a profile: users[] by name, groups[] by any group the OS lists', () => {
  const def = load(READOUT).profiles.readout!;
  test.each<[string, { user: string; groups: string[] }, string | undefined]>([
    ['a member of pda', { user: 'flp', groups: ['flp', 'pda'] }, 'group pda'],
    ['pda as the primary group', { user: 'x', groups: ['pda'] }, 'group pda'],
    ['listed by name', { user: 'ops', groups: ['ops'] }, 'user ops'],
    ['neither', { user: 'alice', groups: ['alice', 'users'] }, undefined],
    ['a user named like the group', { user: 'pda', groups: ['other'] }, undefined],
    ['a group named like the user', { user: 'bob', groups: ['ops'] }, undefined],
    ['no groups at all', { user: 'bob', groups: [] }, undefined],
  ])('%s', (_what, who, granted) => {
    expect(grantOf(def, { ...who, uid: 1 })).toBe(granted);
  });

  test('whoOf takes the OS identity: its user name and the names of its groups', () => {
    const groupNames = new Map([
      [4210, 'flp'],
      [4400, 'pda'],
    ]);
    expect(whoOf({ user: 'flp', uid: 4210, groupNames })).toEqual({
      user: 'flp',
      uid: 4210,
      groups: ['flp', 'pda'],
    });
  });
});

describe('refused before anything starts: PROFILE_REFUSED (226), one line naming the profile', () => {
  test.each<[string, ProfileChoice, RegExp]>([
    [
      'a user outside users[] and groups[]',
      readout,
      /^LSF_DOCKER_PROFILE: profile readout is not for alice \(not in its users\[\] or groups\[\]\)$/,
    ],
    [
      'an unknown profile',
      { name: 'nope', source: 'LSF_DOCKER_PROFILE' },
      /^LSF_DOCKER_PROFILE: profile nope is not defined on this host$/,
    ],
    [
      'the admin-fixed one, for an outsider',
      { name: 'readout', source: '--profile' },
      /^--profile: profile readout is not for alice/,
    ],
  ])('%s', (_what, choice, message) => {
    const err = errorOf(() => effectiveConfig(load(READOUT), ALICE, choice, HOST));
    expect(err.code).toBe(ExitCode.PROFILE_REFUSED);
    expect(err.message).toMatch(message);
  });

  test('an inherited name such as __proto__ or toString is no profile', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
      const err = errorOf(() =>
        effectiveConfig(load(READOUT), FLP, { name, source: 'LSF_DOCKER_PROFILE' }, HOST),
      );
      expect(err.code).toBe(ExitCode.PROFILE_REFUSED);
    }
  });

  test('a user name that would make a mount path unsafe stops the job (211), naming the mount', () => {
    const c = load('[profile p]\ngroups[] = pda\nmounts.mount[] = type=bind,source=/o2/{user},target=/o2\n');
    const odd = { ...FLP, user: 'x,type=volume' };
    const err = errorOf(() => effectiveConfig(c, odd, { name: 'p', source: 'LSF_DOCKER_PROFILE' }, HOST));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message).toMatch(
      /^\[profile p\] mounts\.mount: "type=bind,source=\/o2\/\{user\},target=\/o2": source .* holds a character not allowed/,
    );
  });
});
