import { whoOf } from '../../../../lib/config/profiles/who.js';
import { identityRule, namingRule } from '../../../../lib/policy/rules/identity.js';
import { securityRule } from '../../../../lib/policy/rules/security.js';
import { ALICE, requestFor, ruleContext } from '../../helpers/fixtures.js';

describe('identityRule: the user the OS says', () => {
  test('alice, her groups and their names', () => {
    expect(identityRule(requestFor(), ruleContext())).toEqual({
      ok: true,
      part: {
        uid: 4201,
        gid: 4201,
        groups: [100, 4300],
        user: 'alice',
        home: '/home/alice',
        shell: '/bin/bash',
        groupNames: ALICE.groupNames,
      },
      decisions: [],
    });
  });
});

describe('the group names: read only when a step needs them (their NSS lookups run meanwhile)', () => {
  /** ALICE whose group names count their reads (the join of lib/host/identity-from-os.ts). */
  const counted = () => {
    let reads = 0;
    const identity = Object.defineProperty({ ...ALICE }, 'groupNames', {
      get: () => {
        reads++;
        return ALICE.groupNames;
      },
      enumerable: true,
    }) as typeof ALICE;
    return { identity, reads: () => reads };
  };

  test('identityRule does not read them; its part gives them when read', () => {
    const { identity, reads } = counted();
    const ruling = identityRule(requestFor(), { ...ruleContext(), identity });
    expect(reads()).toBe(0);
    expect(ruling.ok && ruling.part.groupNames).toBe(ALICE.groupNames);
    expect(reads()).toBe(1);
  });

  test("whoOf reads them at its groups' first read, once", () => {
    const { identity, reads } = counted();
    const who = whoOf(identity);
    expect(who.user).toBe('alice');
    expect(reads()).toBe(0);
    expect(who.groups).toEqual([...new Set(ALICE.groupNames.values())]);
    expect(who.groups).toBe(who.groups);
    expect(reads()).toBe(1);
  });
});

describe('namingRule: a unique name and the labels of the job', () => {
  test.each<[string, Record<string, string | undefined>, string, string, string]>([
    ['a batch job', {}, 'lsf_123_0_4242', '123', '0'],
    ['an array element', { LSB_JOBINDEX: '7' }, 'lsf_123_7_4242', '123', '7'],
    ['outside LSF', { LSB_JOBID: undefined, LSB_JOBINDEX: undefined }, 'lsf_local_4242', '', '0'],
  ])('%s', (_name, env, name, job, index) => {
    const ruling = namingRule(requestFor(env), ruleContext());
    expect(ruling).toEqual({
      ok: true,
      part: {
        name,
        labels: [
          ['lsf-docker.managed', 'true'],
          ['lsf-docker.job', job],
          ['lsf-docker.index', index],
          ['lsf-docker.uid', '4201'],
          ['lsf-docker.host', 'node1'],
          ['lsf-docker.pid', '4242'],
        ],
      },
      decisions: [],
    });
  });
});

describe('securityRule: the admin capabilities and labels, no new privileges', () => {
  test('the RIS defaults', () => {
    expect(securityRule(requestFor(), ruleContext())).toEqual({
      ok: true,
      part: {
        capAdd: ['CHOWN', 'KILL', 'SETPCAP', 'IPC_LOCK', 'SYS_NICE'],
        selinuxLabels: ['user:user_u', 'role:user_r', 'type:user_t', 'level:s0'],
        noNewPrivileges: true,
      },
      decisions: [],
    });
  });
  test('an admin list', () => {
    const ctx = ruleContext((c) => {
      c.security.capAdd = [];
      c.security.selinuxLabels = ['disable'];
    });
    expect(securityRule(requestFor(), ctx)).toMatchObject({
      ok: true,
      part: { capAdd: [], selinuxLabels: ['disable'] },
    });
  });
});
