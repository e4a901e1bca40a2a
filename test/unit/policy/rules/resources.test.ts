import type { Config } from '../../../../lib/config/schema.js';
import { parseUlimit, resourcesRule } from '../../../../lib/policy/rules/resources.js';
import type { ResourcesSpec, Ulimit } from '../../../../lib/runtime/container-spec.js';
import type { FakeHostSpec } from '../../helpers/fake-host.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

const GiB = 1024 ** 3;
const rule = (env: Record<string, string>, config?: (c: Config) => void, host?: Partial<FakeHostSpec>) =>
  resourcesRule(requestFor(env), ruleContext(config, host));
const BASE: ResourcesSpec = { cpuShares: 1024, memory: 4 * GiB, swap: 'none', ulimits: [], pidsLimit: 4096 };

describe('parseUlimit', () => {
  test.each<[string, Ulimit]>([
    ['nofile=1024:2048', { name: 'nofile', soft: 1024, hard: 2048 }],
    ['memlock=-1', { name: 'memlock', soft: -1, hard: -1 }],
    ['stack=8192:-1', { name: 'stack', soft: 8192, hard: -1 }],
  ])('%s', (text, ulimit) => {
    expect(parseUlimit(text)).toEqual(ulimit);
  });
});

describe('resourcesRule: cpu, memory and swap, ulimits, pids, the cgroup parent', () => {
  test.each<
    [
      string,
      Record<string, string>,
      ((c: Config) => void) | undefined,
      Partial<FakeHostSpec>,
      Partial<ResourcesSpec>,
      string[],
    ]
  >([
    ['the admin defaults', {}, undefined, {}, {}, []],
    [
      'cpu shares by the slots on this host',
      { LSB_MCPU_HOSTS: 'node0 1 node1 4' },
      undefined,
      {},
      { cpuShares: 4096 },
      [],
    ],
    ['cpu shares capped', { LSB_MCPU_HOSTS: 'node1 1000' }, undefined, {}, { cpuShares: 262144 }, []],
    [
      "the job's bsub -M limit",
      {},
      undefined,
      { rss: 2 * GiB },
      { memory: 2 * GiB },
      ["memory 2g from the job's limit (bsub -M)"],
    ],
    [
      'capped at max_memory, swap unlimited',
      {},
      (c) => {
        c.resources.maxMemory = 8 * GiB;
        c.resources.swap = 'unlimited';
      },
      { rss: 64 * GiB },
      { memory: 8 * GiB, swap: 'unlimited' },
      ["memory 64g from the job's limit (bsub -M)", 'memory capped at [resources] max_memory 8g'],
    ],
    [
      'no memory limit at all',
      {},
      (c) => {
        c.resources.memory = undefined;
      },
      {},
      { memory: undefined },
      [],
    ],
    [
      'admin ulimits and pids limit',
      {},
      (c) => {
        c.resources.ulimits = ['nofile=1024:2048', 'memlock=-1'];
        c.security.pidsLimit = 100;
      },
      {},
      {
        ulimits: [
          { name: 'nofile', soft: 1024, hard: 2048 },
          { name: 'memlock', soft: -1, hard: -1 },
        ],
        pidsLimit: 100,
      },
      [],
    ],
    [
      'an allowed cgroup parent',
      { LSF_DOCKER_CGROUP: '/lsf/job_123' },
      (c) => {
        c.security.allowCgroupParent = ['/lsf'];
      },
      {},
      { cgroupParent: '/lsf/job_123' },
      [],
    ],
  ])('%s', (_name, env, config, host, part, decisions) => {
    expect(rule(env, config, host)).toEqual({ ok: true, part: { ...BASE, ...part }, decisions });
  });

  test('a cgroup parent not allowed', () => {
    expect(rule({ LSF_DOCKER_CGROUP: '/system.slice' })).toEqual({
      ok: false,
      problems: [
        {
          variable: 'LSF_DOCKER_CGROUP',
          message: '"/system.slice" is not allowed ([security] allow_cgroup_parent)',
        },
      ],
    });
  });
});
