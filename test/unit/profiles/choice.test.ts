/** Which profile a job asks for: the admin's --profile, else LSF_DOCKER_PROFILE. */
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { profileChoice } from '../../../lib/request/profile.js';
import { errorOf } from '../helpers/errors.js';

describe('profileChoice', () => {
  test.each<[Record<string, string>, string | undefined, unknown]>([
    [{}, undefined, undefined],
    [{ LSF_DOCKER_PROFILE: '' }, undefined, undefined],
    [{ LSF_DOCKER_PROFILE: '  ' }, undefined, undefined],
    [{ LSF_DOCKER_PROFILE: 'readout' }, undefined, { name: 'readout', source: 'LSF_DOCKER_PROFILE' }],
    [{ LSF_DOCKER_PROFILE: ' readout ' }, undefined, { name: 'readout', source: 'LSF_DOCKER_PROFILE' }],
    [{}, 'readout', { name: 'readout', source: '--profile' }],
    [{ LSF_DOCKER_PROFILE: 'readout' }, 'readout', { name: 'readout', source: '--profile' }],
  ])('%j with --profile %s', (env, fixed, choice) => {
    expect(profileChoice(env, fixed)).toEqual(choice);
  });

  test.each<[Record<string, string>, string | undefined, number, RegExp]>([
    [
      { LSF_DOCKER_PROFILE: 'a b' },
      undefined,
      ExitCode.BAD_REQUEST,
      /^LSF_DOCKER_PROFILE: "a b" is not a profile name/,
    ],
    [{ LSF_DOCKER_PROFILE: 'x.y' }, undefined, ExitCode.BAD_REQUEST, /is not a profile name/],
    [{ LSF_DOCKER_PROFILE: '__proto__' }, undefined, ExitCode.BAD_REQUEST, /is not a profile name/],
    [{ LSF_DOCKER_PROFILE: 'x\ny' }, undefined, ExitCode.BAD_REQUEST, /\\x0a/],
    [{}, 'bad name', ExitCode.USAGE, /^--profile: "bad name" is not a profile name/],
    [
      { LSF_DOCKER_PROFILE: 'other' },
      'readout',
      ExitCode.PROFILE_REFUSED,
      /^LSF_DOCKER_PROFILE: profile other asked for, but the job starter fixes profile readout$/,
    ],
  ])('%j with --profile %s: refused', (env, fixed, code, message) => {
    const err = errorOf(() => profileChoice(env, fixed));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });
});
