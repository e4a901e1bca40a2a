import { afterEach, describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../../lib/config/load.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { errorOf } from '../helpers/errors.js';

describe('loadConfig run through sudo for a user', () => {
  const saved = process.env.SUDO_UID;
  afterEach(() => {
    if (saved === undefined) delete process.env.SUDO_UID;
    else process.env.SUDO_UID = saved;
  });

  test('reads --config only from /etc/lsf-docker/, so a root-only file cannot be shown', () => {
    process.env.SUDO_UID = '4201';
    const err = errorOf(() => loadConfig('/etc/shadow', { euid: 0 }));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message).toBe('--config: run through sudo, only files in /etc/lsf-docker/ are read');
  });

  test('as root without sudo, or as a user, any file the ownership rules trust is read', () => {
    delete process.env.SUDO_UID;
    const err = errorOf(() => loadConfig('/etc/hostname', { euid: 0 }));
    expect(err.message).toMatch(
      /\/etc\/hostname: has a key=value line outside any \[section\]|not an lsf-docker config/,
    );
  });
});
