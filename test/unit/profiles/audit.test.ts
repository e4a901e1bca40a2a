/** The audit line of a profile job, and the audit file it is appended to. */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { auditLine } from '../../../lib/config/profiles/audit-line.js';
import type { AppliedProfile } from '../../../lib/config/profiles/types.js';
import { appendAuditLine } from '../../../lib/host/audit-file.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { errorOf } from '../helpers/errors.js';
import { FLP } from './helpers.js';

const PROFILE: AppliedProfile = {
  name: 'readout',
  source: 'LSF_DOCKER_PROFILE',
  grantedBy: 'group pda',
  containerName: 'readout',
  privileged: false,
  changes: ['network.allow += host', 'ipc.allow += host'],
};
const FACTS = {
  who: FLP,
  job: '123',
  index: 0,
  host: 'flp001',
  container: 'readout',
  program: 'docker_run',
  pid: 777,
  time: new Date('2026-12-01T09:00:00Z'),
};

describe('auditLine', () => {
  test('one JSON line: who, which job, which profile, what it widened', () => {
    const line = auditLine(PROFILE, FACTS);
    expect(line.split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).toEqual({
      time: '2026-12-01T09:00:00.000Z',
      program: 'docker_run',
      pid: 777,
      host: 'flp001',
      user: 'flp',
      uid: 4210,
      job: '123',
      index: 0,
      profile: 'readout',
      source: 'LSF_DOCKER_PROFILE',
      granted: 'group pda',
      container: 'readout',
      privileged: false,
      widened: ['network.allow += host', 'ipc.allow += host'],
    });
  });

  test('no value can forge a second line', () => {
    const line = auditLine({ ...PROFILE, changes: ['x\n{"user":"root"}'] }, { ...FACTS, host: 'a\nb' });
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe("appendAuditLine: O_APPEND|O_NOFOLLOW, the writer's own file, nobody else may write it", () => {
  let dir: string;
  const euid = process.geteuid!();
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lsfd-audit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('created 0600 and appended to, one line per call', () => {
    const file = `${dir}/audit.log`;
    appendAuditLine(file, '{"a":1}', euid);
    appendAuditLine(file, '{"a":2}', euid);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test.each<[string, (file: string) => void, RegExp]>([
    ['a symbolic link', (f) => symlinkSync('/etc/passwd', f), /is a symbolic link/],
    [
      'writable by its group',
      (f) => {
        writeFileSync(f, '');
        chmodSync(f, 0o620);
      },
      /is writable by others \(mode 620\)/,
    ],
    ['a directory', (f) => mkdirSync(f), /cannot be opened \(EISDIR\)/],
  ])('refused: %s', (_what, plant, reason) => {
    const file = `${dir}/audit.log`;
    plant(file);
    const err = errorOf(() => appendAuditLine(file, 'x', euid));
    expect(err.code).toBe(ExitCode.CONFIG);
    expect(err.message).toMatch(/^\[log\] audit: /);
    expect(err.message).toMatch(reason);
  });

  test("refused: someone else's file", () => {
    const file = `${dir}/audit.log`;
    writeFileSync(file, '', { mode: 0o600 });
    if (euid === 0) chownSync(file, 4202, 4202);
    const err = errorOf(() => appendAuditLine(file, 'x', euid === 0 ? 0 : euid + 1));
    expect(err.message).toMatch(/is owned by uid \d+, not uid \d+/);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
