import type { Config } from '../../../../lib/config/schema.js';
import { envFileText } from '../../../../lib/kernel/env-entries.js';
import { environmentRule } from '../../../../lib/policy/rules/environment.js';
import type { GpuSpec } from '../../../../lib/runtime/container-spec.js';
import type { FakeHostSpec } from '../../helpers/fake-host.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

const NONE: GpuSpec = { kind: 'none' };
const TMPDIR = '/tmp/123.tmpdir';
const JOB = [
  ['LSB_CONTAINER_IMAGE', 'lsf-docker-test/busybox:latest'],
  ['LSB_JOBID', '123'],
  ['LSB_JOBINDEX', '0'],
  ['LS_SUBCWD', '/home/alice/work'],
  ['LSB_HOSTS', 'node1'],
  ['PATH', '/usr/bin:/bin'],
];
const ALICE_VARS = [
  ['HOME', '/home/alice'],
  ['USER', 'alice'],
  ['LOGNAME', 'alice'],
];

interface Case {
  env?: Record<string, string | undefined>;
  config?: (c: Config) => void;
  host?: Partial<FakeHostSpec>;
  gpus?: GpuSpec;
  jobTmpdir?: string;
}
const rule = ({ env = {}, config, host, gpus = NONE, jobTmpdir = TMPDIR }: Case) =>
  environmentRule(requestFor(env), ruleContext(config, host), { gpus, jobTmpdir });

describe("environmentRule: the job's variables, the user's files, the wrapper's own", () => {
  test.each<[string, Case, string[][], string[]]>([
    [
      'preserved, with the wrapper variables last',
      {},
      [...JOB, ['NVIDIA_VISIBLE_DEVICES', 'void'], ...ALICE_VARS, ['TMPDIR', '/tmp']],
      ['environment preserved'],
    ],
    [
      'not preserved: the job variables only',
      { env: { LSF_DOCKER_PRESERVE_ENVIRONMENT: 'false', FOO: 'bar' } },
      [
        ['LSB_JOBID', '123'],
        ['LSB_JOBINDEX', '0'],
        ['LS_SUBCWD', '/home/alice/work'],
        ['LSB_HOSTS', 'node1'],
        ['NVIDIA_VISIBLE_DEVICES', 'void'],
        ...ALICE_VARS,
        ['TMPDIR', '/tmp'],
      ],
      ['environment not preserved: job variables only'],
    ],
    [
      'allocated GPUs, an interactive job, a TMPDIR of its own, no tmpdir mounted',
      {
        env: { LSB_INTERACTIVE: 'Y', TMPDIR: '/scratch/alice' },
        gpus: { kind: 'devices', ids: ['2'] },
        jobTmpdir: undefined,
      },
      [
        ...JOB,
        ['TMPDIR', '/scratch/alice'],
        ['NVIDIA_VISIBLE_DEVICES', '2'],
        ['CUDA_VISIBLE_DEVICES', '0'],
        ...ALICE_VARS,
        ['LSF_NIOS_JOBSTATUS_INTERVAL', '1'],
      ],
      ['environment: LSB_INTERACTIVE dropped (always dropped)', 'environment preserved'],
    ],
    [
      "an env file, and the admin's deny list",
      {
        env: { LSF_DOCKER_ENV_FILE: '/home/alice/.env', AWS_KEY: 'k' },
        config: (c) => (c.environment.deny = ['AWS_.*']),
      },
      [
        ...JOB,
        ['LSF_DOCKER_ENV_FILE', '/home/alice/.env'],
        ['FROM_FILE', '1'],
        ['EXPORTED', 'two words'],
        ['NVIDIA_VISIBLE_DEVICES', 'void'],
        ...ALICE_VARS,
        ['TMPDIR', '/tmp'],
      ],
      ['environment: AWS_KEY dropped (denied by the admin ([environment] deny))', 'environment preserved'],
    ],
  ])('%s', (_name, c, env, decisions) => {
    expect(rule(c)).toEqual({ ok: true, part: envFileText(env.map(([n, v]) => `${n}=${v}`)), decisions });
  });

  test('every bad line of every env file', () => {
    const host = { files: { '/home/alice/.env': 'OK=1\n1BAD=2\n' } };
    expect(rule({ env: { LSF_DOCKER_ENV_FILE: '/home/alice/.env /home/alice/none' }, host })).toEqual({
      ok: false,
      problems: [
        { variable: 'LSF_DOCKER_ENV_FILE', message: '/home/alice/.env: line 2 is not NAME=value' },
        { variable: 'LSF_DOCKER_ENV_FILE', message: '/home/alice/none: does not exist' },
      ],
    });
  });
});
