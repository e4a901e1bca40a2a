/** What the admin sees: config check's profile warnings and summary, explain's profile lines, esub's check. */
import { describe, expect, test } from '@jest/globals';
import { profileSummary, profileWarnings } from '../../../lib/config/profiles/check.js';
import { describeProfile } from '../../../lib/config/profiles/describe.js';
import { decideDockerEsub } from '../../../lib/esub/decide.js';
import { parseProgramArgs } from '../../../lib/kernel/program-args.js';
import { ALICE, FLP, load, READOUT } from './helpers.js';

const HOST_ACCOUNTS = {
  user: (n: string) => ['flp', 'alice'].includes(n),
  group: (n: string) => ['pda', 'flp'].includes(n),
};

describe('config check: profile warnings', () => {
  test('the readout profile: a user unknown here, no audit file', () => {
    expect(profileWarnings(load(READOUT), HOST_ACCOUNTS)).toEqual([
      '[profile readout] users: ops is not a user on this host',
      '[profile readout] security.cap_add: widens nothing (the top-level config already allows it)',
      '[profile readout] resources.max_shm_size: widens nothing (the top-level config already allows it)',
      "[log] audit is not set: profile jobs write their audit line only to the job's own log",
    ]);
  });

  test.each<[string, string[]]>([
    ['[profile p]\n', ['[profile p]: nobody may use it (no users[] or groups[])']],
    [
      '[profile p]\nusers[] = ghost\ngroups[] = nogroup\n',
      [
        '[profile p] users: ghost is not a user on this host',
        '[profile p] groups: nogroup is not a group on this host',
        '[profile p]: nobody on this host may use it',
      ],
    ],
    [
      '[profile p]\ngroups[] = pda\nnetwork.allow[] = host\n',
      ['[profile p] network.allow: widens nothing (the top-level config already allows it)'],
    ],
    [
      '[profile p]\ngroups[] = pda\nsecurity.privileged = true\n',
      ['[profile p] security.privileged = true: its jobs are root-equivalent on this host'],
    ],
    [
      '[profile p]\ngroups[] = pda\nsecurity.privileged = false\n',
      ['[profile p] security.privileged: widens nothing (the top-level config already allows it)'],
    ],
  ])('%s', (text, warnings) => {
    expect(
      profileWarnings(load(`[log]\naudit = /var/log/lsf-docker/audit.log\n${text}`), HOST_ACCOUNTS),
    ).toEqual(warnings);
  });

  test('no profiles, no warnings', () => {
    expect(profileWarnings(load(''), HOST_ACCOUNTS)).toEqual([]);
  });

  test('one summary line per profile', () => {
    expect(profileSummary(load(READOUT).profiles.readout!)).toBe(
      'profile readout: for users ops; groups pda; widens network.allow, ipc.allow, mounts.mount, devices.device, environment.pass, security.cap_add, resources.ulimit, resources.max_shm_size; container name readout',
    );
    expect(profileSummary(load('[profile p]\n').profiles.p!)).toBe('profile p: for nobody; widens nothing');
  });
});

describe('explain: which profile applied and what it changed', () => {
  test('none', () => {
    expect(describeProfile(undefined)).toEqual(['profile:  none (the config as it is)']);
  });
  test('one', () => {
    expect(
      describeProfile({
        name: 'readout',
        source: '--profile',
        grantedBy: 'group pda',
        containerName: 'readout',
        privileged: true,
        changes: ['network.allow += host', 'security.privileged = true'],
      }),
    ).toEqual([
      'profile:  readout (asked for by --profile; granted to group pda)',
      '          container name readout: replaces your previous one from this profile',
      '          PRIVILEGED: root-equivalent on this host',
      '          widened:',
      '            - network.allow += host',
      '            - security.privileged = true',
    ]);
  });
});

describe('esub.docker: the user may use the profile they ask for', () => {
  const input = (env: Record<string, string>, who = FLP) => ({
    args: ['busybox'],
    additional: undefined,
    env,
    config: load(READOUT),
    who: () => who,
  });
  test('flp asks for readout: accepted', () => {
    expect(decideDockerEsub(input({ LSF_DOCKER_PROFILE: 'readout' }))).toMatchObject({ ok: true });
  });
  test('no profile: who is never asked', () => {
    const decision = decideDockerEsub({
      ...input({}),
      who: () => {
        throw new Error('asked');
      },
    });
    expect(decision).toMatchObject({ ok: true });
  });
  test.each<[Record<string, string>, RegExp]>([
    [
      { LSF_DOCKER_PROFILE: 'readout' },
      /^LSF_DOCKER_PROFILE: profile readout is not for alice \(not in its users\[\] or groups\[\]\)$/,
    ],
    [{ LSF_DOCKER_PROFILE: 'nope' }, /^LSF_DOCKER_PROFILE: profile nope is not defined on this host$/],
    [{ LSF_DOCKER_PROFILE: 'a b' }, /^LSF_DOCKER_PROFILE: "a b" is not a profile name/],
  ])('alice with %j: rejected', (env, reason) => {
    const decision = decideDockerEsub(input(env, ALICE));
    expect(decision.ok).toBe(false);
    expect(decision.ok ? '' : decision.reason).toMatch(reason);
  });
});

describe('docker_run --profile NAME in the job starter line', () => {
  test.each<[string[], string | undefined, string[]]>([
    [['--profile', 'readout', 'o2-readout-exe'], 'readout', ['o2-readout-exe']],
    [['--profile=readout', '--', '--x'], 'readout', ['--x']],
    [['--config', '/etc/x.conf', '--profile', 'r', 'cmd'], 'r', ['cmd']],
    [['cmd', '--profile', 'r'], undefined, ['cmd', '--profile', 'r']],
  ])('%j', async (argv, profile, command) => {
    const args = await parseProgramArgs('docker_run', '', argv, { dryRun: true, profile: true });
    expect(args.profile).toBe(profile);
    expect(args.command).toEqual(command);
  });
  test('--profile without a NAME, and on a program without it', async () => {
    await expect(parseProgramArgs('docker_run', '', ['--profile'], { profile: true })).rejects.toThrow(
      '--profile needs a NAME',
    );
    await expect(parseProgramArgs('docker_build', '', ['--profile', 'x', 'c'], {})).rejects.toThrow(
      'unknown option --profile',
    );
  });
});
