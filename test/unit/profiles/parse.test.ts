/** [profile NAME] sections: the same grammar and parsers as the top-level keys, every problem named. */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { errorOf } from '../helpers/errors.js';
import { load, READOUT, SOURCE } from './helpers.js';

const profile = (body: string) => load(`[profile p]\n${body}\n`).profiles.p!;

describe('a profile section as the admin writes it', () => {
  test('the readout profile: who, the fixed name, each widening parsed by its top-level parser', () => {
    const def = load(READOUT).profiles.readout!;
    expect(def.name).toBe('readout');
    expect(def.users).toEqual(['ops']);
    expect(def.groups).toEqual(['pda']);
    expect(def.containerName).toBe('readout');
    expect(def.widen.map((w) => w.key)).toEqual([
      'network.allow',
      'ipc.allow',
      'mounts.mount',
      'devices.device',
      'environment.pass',
      'security.cap_add',
      'resources.ulimit',
      'resources.max_shm_size',
    ]);
    const value = (key: string) => def.widen.find((w) => w.key === key)?.value;
    expect(value('security.cap_add')).toEqual(['IPC_LOCK']); // the same normalising parser: cap_ipc_lock
    expect(value('resources.max_shm_size')).toBe(64 * 1024 ** 3);
    expect(value('environment.pass')).toEqual([
      'O2_DETECTOR',
      'O2_PARTITION',
      'OCC_CONTROL_PORT',
      'O2_SYSTEM',
      'O2_ROLE',
    ]);
    expect(value('mounts.mount')).toEqual([
      expect.objectContaining({
        source: '/lib/modules/{kernel}',
        target: '/lib/modules/{kernel}',
        readOnly: true,
      }),
      expect.objectContaining({ source: '/var/lib/o2/{user}', target: '/var/lib/o2', readOnly: false }),
    ]);
  });

  test.each<[string, string, unknown]>([
    ['network.allow[] = host', 'network.allow', ['host']],
    [
      'mounts.mount[] = type:bind,source:/cvmfs,target:/cvmfs,readonly:true',
      'mounts.mount',
      [expect.objectContaining({ source: '/cvmfs', readOnly: true })],
    ],
    ['security.privileged = yes', 'security.privileged', true],
    ['security.pids_limit = 0', 'security.pids_limit', 0],
    ['resources.max_memory = 1.5g', 'resources.max_memory', 1.5 * 1024 ** 3],
    ['devices.infiniband[] = /dev/infiniband/uverbs1', 'devices.infiniband', ['/dev/infiniband/uverbs1']],
    ['volumes.allow[] = /data/o2/', 'volumes.allow', ['/data/o2']],
    ['security.allow_raw_args = true', 'security.allow_raw_args', true],
  ])('%s', (line, key, value) => {
    expect(profile(line).widen).toEqual([{ key, value }]);
  });

  test('a profile without keys is a profile nobody may use (config check says so)', () => {
    expect(profile('')).toEqual({ name: 'p', users: [], groups: [], widen: [] });
  });

  test('several profiles, each by name', () => {
    const c = load('[profile a]\nusers[] = x\n[profile b-2]\ngroups[] = y\n');
    expect(Object.keys(c.profiles)).toEqual(['a', 'b-2']);
  });
});

describe('a bad profile stops every job (exit 211) with one line naming the key', () => {
  test.each<[string, RegExp]>([
    [
      '[profile p]\nfoo = 1',
      /\[profile p\] foo: is not a known key \(profile keys: users, groups, container_name, or <section>\.<key>\)/,
    ],
    ['[profile p]\nnetwork.bogus[] = x', /\[profile p\] network\.bogus: is not a known key/],
    ['[profile p]\nnosuch.allow[] = x', /\[profile p\] nosuch\.allow: is not a known key/],
    [
      '[profile p]\ndocker.binary = /tmp/evil',
      /\[profile p\] docker\.binary: \[docker\] binary cannot be widened by a profile/,
    ],
    ['[profile p]\nvolumes.deny_targets[] = /x', /\[volumes\] deny_targets cannot be widened/],
    ['[profile p]\nenvironment.deny[] = X', /\[environment\] deny cannot be widened/],
    ['[profile p]\nsecurity.selinux_label[] = type:spc_t', /\[security\] selinux_label cannot be widened/],
    ['[profile p]\npaths.tmp_root = /x', /\[paths\] tmp_root cannot be widened/],
    [
      '[profile p]\nnetwork.allow = host',
      /\[profile p\] network\.allow: must be a list: write KEY\[\] = VALUE/,
    ],
    ['[profile p]\nmounts.mount[] = type=volume,source=/a', /only type=bind mounts are supported/],
    [
      '[profile p]\nsecurity.cap_add[] = SYS_ADMIN',
      /\[profile p\] security\.cap_add: SYS_ADMIN is not one a profile may add \(allowed: IPC_LOCK, .*any only with security\.privileged = true\)/,
    ],
    ['[profile p]\nsecurity.cap_add[] = CAP_SYS_MODULE', /SYS_MODULE is not one a profile may add/],
    ['[profile p]\nsecurity.cap_add[] = NET_RAW', /NET_RAW is not one a profile may add/],
    ['[profile p]\nsecurity.cap_add[] = FLY', /"FLY" is not a Linux capability/],
    ['[profile p]\ndevices.device[] = /etc/shadow', /"\/etc\/shadow" is not a device node under \/dev/],
    ['[profile p]\nenvironment.pass[] = A-B', /"A-B" is not a variable name/],
    [
      '[profile p]\nmounts.mount[] = type=bind,source=/x/{host},target=/x',
      /unknown placeholder \{host\} \(known: \{kernel\}, \{user\}\)/,
    ],
    ['[profile p]\ncontainer_name = lsf_123_0_4', /names starting with lsf_ are the wrapper's own/],
    ['[profile p]\ncontainer_name = a b', /is not a container name/],
    ['[profile p]\nusers[] = a:b', /"a:b" is not a user or group name/],
    ['[profile p]\nusers = flp', /users: must be a list/],
    ['[profile a.b]\nx = 1', /a "\." in a profile name splits the section/],
    ['[profile a b]\nusers[] = x', /\[profile a b\]: "a b" is not a profile name/],
    ['[profile p]\nusers[] = a\n[profile  p]\nusers[] = b', /\[profile p\]: is defined twice/],
  ])('%s', (text, reason) => {
    const err = errorOf(() => load(text));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message.startsWith(`${SOURCE}: `)).toBe(true);
    expect(err.message).toMatch(reason);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  test('any capability with security.privileged = true (root-equivalent anyway)', () => {
    const def = profile('security.privileged = true\nsecurity.cap_add[] = SYS_ADMIN');
    expect(def.widen).toEqual([
      { key: 'security.privileged', value: true },
      { key: 'security.cap_add', value: ['SYS_ADMIN'] },
    ]);
  });
});
