/** The job's environment across sudo: the user-side snapshot and what the root side makes of it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, test } from '@jest/globals';
import { rootBuildArgv } from '../../../lib/build/root-input.js';
import { envFileEntries } from '../../../lib/kernel/env-entries.js';
import {
  entryPair,
  jobEnvironment,
  parseSnapshot,
  SNAPSHOT_VARIABLE,
} from '../../../lib/policy/rules/environment.js';
import { installedProgram, snapshotText, sudoArgv } from '../../../lib/run/via-sudo.js';
import { jobEnv, specFor, testHost } from '../helpers/fixtures.js';

describe('the snapshot', () => {
  test('NUL-separated NAME=value, values with newlines and = kept, its own variable left out', () => {
    const text = snapshotText({ A: '1', MULTI: 'x\ny=z', [SNAPSHOT_VARIABLE]: '/tmp/f', GONE: undefined });
    expect(text).toBe('A=1\0MULTI=x\ny=z\0');
    expect(parseSnapshot(text)).toEqual(['A=1', 'MULTI=x\ny=z']);
    expect(parseSnapshot('noequals\0=x\0B=\0')).toEqual(['B=']);
  });

  test('under sudo: the snapshot, then what sudo kept, never what sudo set', () => {
    const sudoEnv = {
      SUDO_UID: '4201',
      SUDO_COMMAND: '/x',
      HOME: '/root',
      SHELL: '/bin/bash',
      MAIL: '/var/mail/root',
      PATH: '/usr/sbin:/usr/bin',
      TERM: 'unknown',
      LOGNAME: 'root',
      USER: 'root',
      LSB_JOBID: '7',
    };
    expect(jobEnvironment(sudoEnv, ['MY_VAR=mine', 'PATH=/home/u/bin:/usr/bin', 'LSB_JOBID=forged'])).toEqual(
      [
        'MY_VAR=mine',
        'PATH=/home/u/bin:/usr/bin',
        // Each name once (the environment rule's first source): what sudo kept wins, in the snapshot's place.
        'LSB_JOBID=7',
      ],
    );
    expect(jobEnvironment(sudoEnv, undefined)).toEqual(['LSB_JOBID=7']);
    expect(jobEnvironment({ A: '1', HOME: '/home/u' }, ['X=1'])).toEqual(['A=1', 'HOME=/home/u']);
  });

  test('docker_run under sudo: the container gets the snapshot, never root MAIL or SHELL, and LSF facts win', () => {
    const env = jobEnv({
      SUDO_UID: '4201',
      MAIL: '/var/mail/root',
      SHELL: '/bin/bash',
      [SNAPSHOT_VARIABLE]: '/home/alice/.snap',
    });
    const host = testHost({
      files: { '/home/alice/.snap': 'MY_VAR=mine\0LSB_JOBID=999\0' },
      paths: {
        '/home/alice/.snap': { kind: 'file', uid: 4201, gid: 4201, mode: 0o100600, isSymlink: false },
      },
    });
    const kept = new Map(
      envFileEntries(specFor({ env, command: ['true'], host }).process.envFile).map(entryPair),
    );
    expect(kept.get('MY_VAR')).toBe('mine');
    expect(kept.get('LSB_JOBID')).toBe('123');
    expect([kept.has('MAIL'), kept.has('SHELL'), kept.has(SNAPSHOT_VARIABLE), kept.has('SUDO_UID')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const unreadable = () =>
      specFor({ env: { ...env, [SNAPSHOT_VARIABLE]: '/home/bob/x' }, command: ['true'] });
    expect(unreadable).toThrow(/LSF_DOCKER_JOB_ENVIRONMENT: \/home\/bob\/x: does not exist/);
  });
});

describe('the sudo step', () => {
  test('sudo -n the installed program, the config on its command line', () => {
    expect(sudoArgv('/opt/l/bin/docker_run', '/etc/lsf-docker/x.conf', ['--', 'id'])).toEqual([
      '/usr/bin/sudo',
      '-n',
      '/opt/l/bin/docker_run',
      '--config',
      '/etc/lsf-docker/x.conf',
      '--',
      'id',
    ]);
  });

  test('the program beside this launcher, or beside the bundle', () => {
    const root = mkdtempSync(`${tmpdir()}/lsfd-inst-`);
    try {
      mkdirSync(`${root}/bin`);
      mkdirSync(`${root}/dist/bundle`, { recursive: true });
      for (const f of ['bin/lsf-docker', 'bin/docker_run', 'dist/bundle/lsf_docker.mjs'])
        writeFileSync(`${root}/${f}`, '');
      expect(installedProgram(`${root}/bin/lsf-docker`, 'docker_run')).toBe(`${root}/bin/docker_run`);
      expect(installedProgram(`${root}/dist/bundle/lsf_docker.mjs`, 'docker_run')).toBe(
        `${root}/bin/docker_run`,
      );
      expect(installedProgram(`${root}/bin/lsf-docker`, 'docker_exec')).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("docker_build as root: root's CLI opens no path of the user's", () => {
  test("the -f value becomes root's copy of the Dockerfile, the context the staged mount point", () => {
    expect(
      rootBuildArgv(
        ['build', '--file=/home/u/Df', '--tag=x', '--', '/home/u/ctx'],
        '/tmp/p/Dockerfile',
        '/tmp/p/mnt/0',
      ),
    ).toEqual(['build', '--tag=x', '--file=/tmp/p/Dockerfile', '--', '/tmp/p/mnt/0']);
  });
});
