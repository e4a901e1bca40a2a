import { describe, expect, test } from '@jest/globals';
import { defaultConfig } from '../../../lib/config/schema.js';
import { buildJobEnv } from '../../../lib/local/job-env.js';
import type { JobRecord } from '../../../lib/local/record.js';
import { renderOutputFile } from '../../../lib/local/report.js';
import { launchArgv, starterArgv } from '../../../lib/local/starter.js';
import {
  applyEnvOption,
  expandOutputPath,
  parseBsubArgs,
  parseGpuCount,
  parseJobName,
  parseLimit,
  parseResReq,
} from '../../../lib/scheduler/lsf/bsub-options.js';
import { esubOrder } from '../../../lib/scheduler/lsf/esub-runner.js';

describe('bsub command line', () => {
  test('options up to the command; the command untouched', () => {
    const a = parseBsubArgs([
      '-a',
      'docker(x)',
      '-q',
      'long',
      '-n',
      '2',
      '-K',
      '-o',
      'o.%J',
      'sh',
      '-c',
      'echo -n hi',
    ]);
    expect(a).toMatchObject({
      apps: ['docker(x)'],
      queue: 'long',
      slots: 2,
      wait: true,
      out: { path: 'o.%J', overwrite: false },
    });
    expect(a.command).toEqual(['sh', '-c', 'echo -n hi']);
    expect(parseBsubArgs(['-Is', '--', '--tag', 'x', '.']).command).toEqual(['--tag', 'x', '.']);
    expect(parseBsubArgs(['-oo', 'f', 'true']).out).toEqual({ path: 'f', overwrite: true });
  });

  test.each([['-Z'], ['-q'], ['-n', '0', 'x'], ['-q', 'a b', 'x']])('refuses %j', (...argv) => {
    expect(() => parseBsubArgs(argv)).toThrow();
  });

  test('job arrays', () => {
    expect(parseJobName('plain')).toEqual({ name: 'plain' });
    expect(parseJobName('a[1-4]')).toEqual({ name: 'a', indexes: [1, 2, 3, 4], step: 1 });
    expect(parseJobName('a[1-9:4]%2')).toEqual({ name: 'a', indexes: [1, 5, 9], step: 4, limit: 2 });
    expect(parseJobName('a[1,3,7-11:2]').indexes).toEqual([1, 3, 7, 9, 11]);
    for (const bad of ['a[0-2]', 'a[3-1]', 'a[x]', 'a[1-2', 'a[1-5000]', 'a[1-3]%0', 'a[1-3]%x'])
      expect(() => parseJobName(bad)).toThrow();
  });

  test('limits, resource requests, GPUs, %J/%I', () => {
    expect(parseLimit('4096', 'KB')).toBe(4096 * 1024);
    expect(parseLimit('4G', 'KB')).toBe(4 * 1024 ** 3);
    expect(parseLimit('512MB', 'KB')).toBe(512 * 1024 ** 2);
    expect(parseLimit('64', 'MB')).toBe(64 * 1024 ** 2);
    expect(parseLimit('lots', 'KB')).toBeUndefined();
    expect(parseResReq('select[port8001=1 && port8002=1] rusage[mem=2G]')).toEqual({
      memBytes: 2 * 1024 ** 3,
      ports: [8001, 8002],
    });
    expect(parseGpuCount('num=2:mode=shared')).toBe(2);
    expect(parseGpuCount('-')).toBe(1);
    expect(expandOutputPath('out.%J.%I', 12, 3)).toBe('out.12.3');
  });

  test('-env', () => {
    const env = { A: '1', B: '2', LSB_X: 'x' };
    expect(applyEnvOption(env, undefined)).toEqual(env);
    expect(applyEnvOption(env, 'none')).toEqual({ LSB_X: 'x' });
    expect(applyEnvOption(env, 'all, ~B, C=3')).toEqual({ A: '1', LSB_X: 'x', C: '3' });
    expect(applyEnvOption(env, 'B')).toEqual({ B: '2', LSB_X: 'x' });
  });

  test("esubs in LSF's order, each once", () => {
    expect(esubOrder(['docker(img) extra(1)', 'docker'], 'mand docker', true)).toEqual([
      { name: '', args: [] },
      { name: 'mand', args: [] },
      { name: 'docker', args: ['img'] },
      { name: 'extra', args: ['1'] },
    ]);
    expect(() => esubOrder(['user'], undefined, false)).toThrow(/reserved/);
  });
});

const record: JobRecord = {
  id: 42,
  index: 3,
  name: 'arr[3]',
  user: 'alice',
  uid: 4201,
  home: '/home/alice',
  queue: 'normal',
  app: 'docker',
  command: 'echo hi',
  words: ['echo', 'hi'],
  submitHost: 'h',
  submitTime: 1_700_000_000_000,
  subcwd: '/home/alice',
  cwd: '/home/alice/w',
  slots: 2,
  ports: [],
  gpus: 0,
  status: 'RUN',
  memLimit: 1024 ** 3,
  config: '/etc/x.conf',
};

describe('starting a job', () => {
  test('LSF job variables replace whatever the submitter had', () => {
    const env = buildJobEnv(
      record,
      { PATH: '/bin', LSB_JOBID: 'forged', TMPDIR: '/elsewhere' },
      {
        host: 'h',
        tmpdir: '/tmp/42_3.tmpdir',
        jobFile: '/home/alice/.lsbatch/1700000000.42.3',
        gpuIds: [],
      },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      LSB_JOBID: '42',
      LSB_JOBINDEX: '3',
      LSB_JOBNAME: 'arr[3]',
      LSB_HOSTS: 'h h',
      LSB_MCPU_HOSTS: 'h 2',
      LS_SUBCWD: '/home/alice/w',
      TMPDIR: '/tmp/42_3.tmpdir',
      LSB_JOBFILENAME: '/home/alice/.lsbatch/1700000000.42.3',
    });
    expect(env.LSB_INTERACTIVE).toBeUndefined();
  });

  test('the docker job starter gets --config and the job file, under prlimit for -M', () => {
    const argv = launchArgv(record, starterArgv(record, defaultConfig(), '/opt/x/bin', '/jf'));
    expect(argv).toEqual([
      'prlimit',
      `--rss=${1024 ** 3}`,
      '--',
      '/opt/x/bin/docker_run',
      '--config',
      '/etc/x.conf',
      '--',
      '/jf',
    ]);
    expect(starterArgv({ ...record, app: undefined }, defaultConfig(), '/b', '/jf')).toEqual([
      '/bin/sh',
      '/jf',
    ]);
    expect(
      starterArgv(
        { ...record, app: 'docker_build', config: undefined, words: ['--tag', 't', '.'] },
        defaultConfig(),
        '/b',
        '/jf',
      ),
    ).toEqual(['/b/docker_build', '--', '--tag', 't', '.']);
  });

  test('[local] starter = sudo: the installed programs through `lsf-docker sudo`, an own starter after sudo -n', () => {
    const sudo = defaultConfig();
    sudo.local.starter = 'sudo';
    expect(starterArgv({ ...record, config: undefined }, sudo, '/b', '/jf')).toEqual([
      '/b/lsf-docker',
      'sudo',
      'docker_run',
      '--',
      '/jf',
    ]);
    expect(
      starterArgv({ ...record, app: 'docker_exec', config: undefined, command: 'ls' }, sudo, '/b', '/jf'),
    ).toEqual(['/b/lsf-docker', 'sudo', 'docker_exec', '--', 'ls']);
    sudo.local.jobStarter = '/site/bin/my_starter';
    expect(starterArgv({ ...record, config: undefined }, sudo, '/b', '/jf')).toEqual([
      '/usr/bin/sudo',
      '-n',
      '/site/bin/my_starter',
      '--',
      '/jf',
    ]);
    expect(starterArgv({ ...record, app: undefined }, sudo, '/b', '/jf')).toEqual(['/bin/sh', '/jf']);
  });

  test('the -o file: header, command, end, summary, output', () => {
    const text = renderOutputFile(
      { ...record, exitCode: 3, startTime: record.submitTime + 1000, endTime: record.submitTime + 5000 },
      'hi\n',
      undefined,
    );
    expect(text).toMatch(
      /^Sender: LSF System <lsfadmin@h>\nSubject: Job 42\[3\]: <arr\[3\]> in cluster <local> Exited\n/,
    );
    expect(text).toMatch(/\nExited with exit code 3\.\n\nResource usage summary:\n/);
    expect(text).toMatch(/Run time : +4 sec\.\n {4}Turnaround time : +5 sec\.\n/);
    expect(text.endsWith('The output (if any) follows:\n\nhi\n')).toBe(true);
  });
});
