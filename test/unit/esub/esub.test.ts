import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { type Config, defaultConfig } from '../../../lib/config/schema.js';
import { decideBuildEsub, decideDockerEsub, decideExecEsub } from '../../../lib/esub/decide.js';
import {
  abortValue,
  appArgs,
  formatAppSpecs,
  formatAssignment,
  parseAppSpecs,
  parseAssignments,
} from '../../../lib/scheduler/lsf/esub-protocol.js';

const config = (change: (c: Config) => void = () => {}) => {
  const c = defaultConfig();
  change(c);
  return c;
};

describe('-a values (LSB_SUB_ADDITIONAL)', () => {
  test.each([
    ['docker(busybox)', [{ name: 'docker', args: ['busybox'] }]],
    [
      '  docker(a/b:1)   other  ',
      [
        { name: 'docker', args: ['a/b:1'] },
        { name: 'other', args: [] },
      ],
    ],
    [
      'app1(a, b is a string) app2(c)',
      [
        { name: 'app1', args: ['a', 'b is a string'] },
        { name: 'app2', args: ['c'] },
      ],
    ],
    ['docker_build()', [{ name: 'docker_build', args: [] }]],
  ])('%s', (text, apps) => {
    expect(parseAppSpecs(text)).toEqual({ ok: true, apps });
  });

  test.each(['docker(x', 'bad$name', 'a(b(c))', 'docker(x)y'])('refuses %s', (text) => {
    expect(parseAppSpecs(text).ok).toBe(false);
  });

  test('appArgs finds one application among several', () => {
    expect(appArgs('x(1) docker(img:2)', 'docker')).toEqual(['img:2']);
    expect(appArgs('x(1)', 'docker')).toBeUndefined();
  });

  test('format and parse round-trip', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    const arg = fc.stringMatching(/^[A-Za-z0-9_./:-]{1,10}$/);
    fc.assert(
      fc.property(
        fc.array(fc.record({ name, args: fc.array(arg, { maxLength: 3 }) }), { maxLength: 4 }),
        (apps) => {
          expect(parseAppSpecs(formatAppSpecs(apps))).toEqual({ ok: true, apps });
        },
      ),
    );
  });
});

describe('parameter and modify files', () => {
  test('assignments round-trip through LSF quoting, whatever the value', () => {
    fc.assert(
      fc.property(
        fc.string().filter((v) => !/[\n\r]/.test(v)),
        (value) => {
          expect(parseAssignments(formatAssignment('LSB_X', value)).get('LSB_X')).toBe(value);
        },
      ),
    );
  });

  test('parses bare, double- and single-quoted values; skips comments', () => {
    const m = parseAssignments('# c\nLSB_SUB_QUEUE="normal"\nLSB_SUB_NUM_PROCESSORS=4\nX=\'a b\'\n');
    expect([...m]).toEqual([
      ['LSB_SUB_QUEUE', 'normal'],
      ['LSB_SUB_NUM_PROCESSORS', '4'],
      ['X', 'a b'],
    ]);
  });

  test('abort value: LSB_SUB_ABORT_VALUE, else 97', () => {
    expect(abortValue({})).toBe(97);
    expect(abortValue({ LSB_SUB_ABORT_VALUE: '99' })).toBe(99);
    expect(abortValue({ LSB_SUB_ABORT_VALUE: 'x' })).toBe(97);
  });
});

describe('esub.docker decisions', () => {
  const input = (args: string[], extra: Partial<Parameters<typeof decideDockerEsub>[0]> = {}) => ({
    args,
    additional: undefined,
    env: {},
    config: config(),
    ...extra,
  });

  test('an image from argv', () => {
    expect(decideDockerEsub(input(['busybox:1.36']))).toEqual({
      ok: true,
      env: [['LSB_CONTAINER_IMAGE', 'busybox:1.36']],
      options: [['LSB_SUB_APP_NAME', 'docker']],
      notes: [],
    });
  });

  test('from LSB_SUB_ADDITIONAL, then from LSB_CONTAINER_IMAGE', () => {
    const fromAdditional = decideDockerEsub(input([], { additional: 'docker(ubuntu:22.04)' }));
    expect(fromAdditional.ok && fromAdditional.env).toEqual([['LSB_CONTAINER_IMAGE', 'ubuntu:22.04']]);
    const fromEnv = decideDockerEsub(input([], { env: { LSB_CONTAINER_IMAGE: 'alpine' } }));
    expect(fromEnv.ok && fromEnv.env).toEqual([['LSB_CONTAINER_IMAGE', 'alpine']]);
  });

  test('aliases resolve; registries are enforced', () => {
    const c = config((x) => {
      x.images.aliases.py = 'reg.example.org/py:3';
      x.images.allowRegistries = ['reg.example.org'];
    });
    const ok = decideDockerEsub(input(['py'], { config: c }));
    expect(ok.ok && ok.env).toEqual([['LSB_CONTAINER_IMAGE', 'reg.example.org/py:3']]);
    const refused = decideDockerEsub(input(['busybox'], { config: c }));
    expect(refused).toEqual({
      ok: false,
      reason: expect.stringMatching(/registry docker\.io .* not allowed/),
    });
  });

  test.each([[['lib/UPPER']], [['a b']], [['-x']], [['a', 'b']], [[]]])('refuses %j', (args) => {
    expect(decideDockerEsub(input(args)).ok).toBe(false);
  });
});

describe('esub.docker_build decisions', () => {
  test('the tag becomes LSB_DOCKER_BUILD_TAG; digests and missing tags are refused', () => {
    const base = { additional: undefined, env: {}, config: config() };
    expect(decideBuildEsub({ ...base, args: ['reg:5000/a/b:1'] })).toMatchObject({
      ok: true,
      env: [['LSB_DOCKER_BUILD_TAG', 'reg:5000/a/b:1']],
    });
    expect(decideBuildEsub({ ...base, args: [`a@sha256:${'a'.repeat(64)}`] }).ok).toBe(false);
    expect(decideBuildEsub({ ...base, args: [] }).ok).toBe(false);
    expect(decideBuildEsub({ ...base, args: [], env: { LSB_DOCKER_LOGIN_ONLY: '1' } }).ok).toBe(true);
  });
});

describe('esub.docker_exec decisions', () => {
  const base = { additional: undefined, env: {}, config: config() };
  test.each([['123'], ['123[4]']])(
    'job id %s becomes LSB_DOCKER_EXEC_JOBID and selects docker_exec',
    (id) => {
      expect(decideExecEsub({ ...base, args: [id] })).toEqual({
        ok: true,
        env: [['LSB_DOCKER_EXEC_JOBID', id]],
        options: [['LSB_SUB_APP_NAME', 'docker_exec']],
        notes: [],
      });
    },
  );

  test('the id may come from LSB_SUB_ADDITIONAL', () => {
    expect(decideExecEsub({ ...base, args: [], additional: 'docker_exec(77)' })).toMatchObject({
      ok: true,
      env: [['LSB_DOCKER_EXEC_JOBID', '77']],
    });
  });

  test.each([[[]], [['abc']], [['12;rm']], [['1', '2']], [['-1']]])('refuses %j with a reason', (args) => {
    const decision = decideExecEsub({ ...base, args });
    expect(decision.ok).toBe(false);
    expect(decision).toMatchObject({ reason: expect.stringMatching(/job/) });
  });
});
