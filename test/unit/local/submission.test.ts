import { describe, expect, test } from '@jest/globals';
import { parseCommand } from '../../../lib/local/command-args.js';
import { evaluateDependency, parseDependency } from '../../../lib/local/dependency.js';
import { planDispatch, REASONS } from '../../../lib/local/dispatch-plan.js';
import { readEnding, TERM } from '../../../lib/local/job-finish.js';
import { actionTargets, namePattern, select } from '../../../lib/local/job-select.js';
import { jobFileText } from '../../../lib/local/job-start.js';
import type { JobRecord } from '../../../lib/local/record.js';
import { closestVariable, memoryLimitProblem, variableWarnings } from '../../../lib/request/hints.js';
import {
  bsubArgsOf,
  directiveOptions,
  parseBsubArgs,
  scanBsubOptions,
} from '../../../lib/scheduler/lsf/bsub-options.js';
import { mergeOptions, scriptDirectives, splitDirective } from '../../../lib/scheduler/lsf/bsub-script.js';
import { hostsAllow, parseBeginTime, parseRunLimit } from '../../../lib/scheduler/lsf/bsub-values.js';
import { jobRecord } from '../helpers/fixtures.js';

const rec = (over: Partial<JobRecord>) => jobRecord(over);

describe('bsub options as LSF reads them', () => {
  test('values attached to one-letter options, the new options, the command untouched', () => {
    const a = parseBsubArgs([
      '-n4',
      '-M4000',
      '-Jjob',
      '-W',
      '1:30',
      '-x',
      '-H',
      '-P',
      'proj',
      '-outdir',
      'o',
      'cmd',
      '-n',
      '1',
    ]);
    expect(a).toMatchObject({
      slots: 4,
      memLimit: '4000',
      jobName: 'job',
      runLimit: '1:30',
      exclusive: true,
      hold: true,
      project: 'proj',
      outdir: 'o',
    });
    expect(a.command).toEqual(['cmd', '-n', '1']);
    expect(parseBsubArgs(['-Ep', 'post', '-E', 'pre', '-w', 'done(1)', 'x'])).toMatchObject({
      postExec: 'post',
      preExec: 'pre',
      dependency: 'done(1)',
    });
  });

  test.each([
    [['-r', 'x'], undefined],
    [['-sla', 'x', 'y'], /bsub -sla: not supported by the local LSF/],
    [['-ti', 'y'], /bsub -ti: not supported by the local LSF/],
    [['-Zq', 'y'], /unknown option -Zq/],
    [['-Kx', 'y'], /-K takes no value/],
    [['-tty', 'y'], /-tty: only with -I/],
  ])('%j', (argv, want) => {
    if (want === undefined) expect(parseBsubArgs(argv).rerunnable).toBe(true);
    else expect(() => parseBsubArgs(argv)).toThrow(want);
  });

  test('#BSUB lines up to the first command; quotes as a shell; the command line wins', () => {
    const script =
      '#!/bin/bash\n#BSUB -q short\n\n# a comment\n#BSUB -R "rusage[mem=4] span[hosts=1]" -o out.%J\n#BSUB -n 2\necho hi\n#BSUB -q never\n';
    expect(scriptDirectives(script).map(([line]) => line)).toEqual([2, 5, 6]);
    expect(splitDirective(`-J 'a b' -R "x \\"y\\""`, 1)).toEqual(['-J', 'a b', '-R', 'x "y"']);
    expect(() => splitDirective('-J "open', 3)).toThrow(/line 3: unterminated "/);
    const merged = mergeOptions(
      directiveOptions(script),
      scanBsubOptions(['-q', 'long', '-oo', 'mine']).options,
    );
    const a = bsubArgsOf(merged, ['echo hi']);
    expect(a).toMatchObject({
      queue: 'long',
      slots: 2,
      resReq: ['rusage[mem=4] span[hosts=1]'],
      out: { path: 'mine', overwrite: true },
    });
    expect(() => directiveOptions('#BSUB -q x extra\n')).toThrow(/line 1: "extra" is not a bsub option/);
  });

  test('-W, -b, -m', () => {
    expect(parseRunLimit('90')).toBe(5400);
    expect(parseRunLimit('1:30')).toBe(5400);
    for (const bad of ['0', '1:2:3', '5/hostA', 'x']) expect(() => parseRunLimit(bad)).toThrow();
    const now = new Date(2026, 5, 10, 12, 0).getTime();
    expect(parseBeginTime('13:30', now)).toBe(new Date(2026, 5, 10, 13, 30).getTime());
    expect(parseBeginTime('09:00', now)).toBe(new Date(2026, 5, 11, 9, 0).getTime());
    expect(parseBeginTime('2026:7:1:00:00', now)).toBe(new Date(2026, 6, 1).getTime());
    expect(() => parseBeginTime('25:00', now)).toThrow();
    expect([
      hostsAllow('vm', 'vm'),
      hostsAllow('hostA vm.example.org', 'vm'),
      hostsAllow('hostA', 'vm'),
      hostsAllow('all', 'vm'),
    ]).toEqual([true, true, false, true]);
  });
});

describe('bsub -w dependencies', () => {
  const jobs = [
    { id: 1, index: 0, name: 'prep', status: 'DONE', exitCode: 0 },
    { id: 2, index: 0, name: 'bad', status: 'EXIT', exitCode: 3 },
    { id: 3, index: 1, name: 'arr[1]', status: 'RUN' },
    { id: 3, index: 2, name: 'arr[2]', status: 'DONE' },
  ];
  test.each([
    ['done(1)', 'yes'],
    ['1', 'yes'],
    ['done(prep) && exit(2)', 'yes'],
    ['exit(2, 3)', 'yes'],
    ['exit(2, > 5)', 'never'],
    ['done(2)', 'never'],
    ['done(2) || ended(1)', 'yes'],
    ['done(arr)', 'no'],
    ['done(3[2])', 'yes'],
    ['started("arr*")', 'yes'],
    ['!done(3)', 'yes'],
    ['ended(99)', 'never'],
  ])('%s -> %s', (text, want) => {
    expect(evaluateDependency(parseDependency(text), jobs)).toBe(want);
  });
  test.each([
    ['numdone(1, 2)', /numdone\(\) is not supported/],
    ['done(1', /expected|ends too early/],
    ['done(1) &&', /ends too early/],
    ['what(1)', /not a dependency condition/],
  ])('refuses %s', (text, want) => expect(() => parseDependency(text)).toThrow(want));
});

describe('what the dispatcher may start', () => {
  test('held, begin time, dependency, array limit, closed host', () => {
    const now = 1_700_000_100_000;
    const records = [
      rec({ id: 1, status: 'RUN' }),
      rec({ id: 2, status: 'PSUSP' }),
      rec({ id: 3, beginTime: now + 60_000 }),
      rec({ id: 4, dependency: 'done(1)' }),
      rec({ id: 5, dependency: 'exit(1)' }),
      rec({ id: 6, index: 1, status: 'RUN', array: { first: 1, last: 2, step: 1, limit: 1 } }),
      rec({ id: 6, index: 2, array: { first: 1, last: 2, step: 1, limit: 1 } }),
      rec({ id: 7, interactive: 'I' }),
      rec({ id: 8 }),
    ];
    const plan = planDispatch({ records, now });
    expect(plan.map((c) => [c.record.id, c.reason])).toEqual([
      [2, REASONS.held],
      [3, expect.stringMatching(/^The job has a specified start time/)],
      [4, REASONS.dependency],
      [5, REASONS.dependency],
      [6, REASONS.arrayLimit],
      [8, undefined],
    ]);
    expect(planDispatch({ records, now, closed: 'root' }).at(-1)?.reason).toBe(REASONS.closed);
  });
});

describe('the job commands', () => {
  const table = { flags: ['-a', '-w', '-noheader'], values: ['-J', '-o'] };
  test('bundled flags, a value at the end of a bundle or attached, long options whole', () => {
    const p = parseCommand(
      'bjobs',
      ['-noheader', '-o', 'jobid stat', '-aJ', '*x*', '-wJy', '12'],
      table,
      'u',
    );
    expect([...p.flags].sort()).toEqual(['-a', '-noheader', '-w']);
    expect(p.values.get('-J')).toBe('y');
    expect(p.operands).toEqual(['12']);
    expect(() => parseCommand('bjobs', ['-aq'], table, 'u')).toThrow(/unknown option -q \(in -aq\)/);
    expect(() => parseCommand('bjobs', ['-J'], table, 'u')).toThrow(/-J needs a value/);
  });

  test('-J patterns, and which jobs an action names', () => {
    expect(namePattern('*(abc)*').test('Snakemake_rule___(abc)')).toBe(true);
    expect(namePattern('a.b').test('aXb')).toBe(false);
    const records = [rec({ id: 1, name: 'x' }), rec({ id: 2, name: 'x' }), rec({ id: 3, name: 'y' })];
    expect(select(records, { ids: [], all: false, name: 'x' }).chosen.map((r) => r.id)).toEqual([1, 2]);
    expect(
      actionTargets(records, { ids: [], all: false, name: 'x' }, 'bkill').chosen.map((r) => r.id),
    ).toEqual([2]);
    expect(
      actionTargets(records, { ids: [], all: true, name: 'x' }, 'bkill').chosen.map((r) => r.id),
    ).toEqual([1, 2]);
    expect(() => actionTargets(records, { ids: [], all: false }, 'bkill')).toThrow(/give a job id/);
  });
});

describe('how a job ended, from its spool', () => {
  test('the job starter one line for its own codes; TERM_MEMLIMIT for an out-of-memory kill', () => {
    const spool =
      'job output\ndocker_run: LSF_DOCKER_VOLUMES: "/etc:/x": /etc is not under an allowed volume root\n';
    expect(readEnding(spool, 213)).toEqual({
      failure: 'docker_run: LSF_DOCKER_VOLUMES: "/etc:/x": /etc is not under an allowed volume root',
    });
    expect(readEnding(spool, 1)).toEqual({});
    expect(readEnding('docker_run: job killed: out of memory (container memory limit 8m)\n', 137)).toEqual({
      term: TERM.memLimit,
    });
  });
  test('a job script keeps its own #! line', () => {
    expect(jobFileText('echo hi')).toBe('#!/bin/sh\necho hi\n');
    expect(jobFileText('#!/usr/bin/env python3\nprint(1)')).toBe('#!/usr/bin/env python3\nprint(1)\n');
  });
});

describe('hints where the user looks', () => {
  test('unknown LSF_DOCKER_* names with the closest known one; comma-separated volumes', () => {
    expect(closestVariable('LSF_DOCKER_VOLUME')).toBe('LSF_DOCKER_VOLUMES');
    expect(closestVariable('LSF_DOCKER_NETWROK')).toBe('LSF_DOCKER_NETWORK');
    expect(closestVariable('LSF_DOCKER_SOMETHING_ELSE')).toBeUndefined();
    expect(variableWarnings({ LSF_DOCKER_VOLUME: '/a:/a', LSF_DOCKER_IPC: 'host', PATH: '/bin' })).toEqual([
      'WARNING: LSF_DOCKER_VOLUME: unknown; did you mean LSF_DOCKER_VOLUMES?',
    ]);
    expect(variableWarnings({ LSF_DOCKER_VOLUMES: '/a:/a,/b:/b' })).toEqual([
      'WARNING: LSF_DOCKER_VOLUMES: separate volumes with spaces, not commas ("/a:/a /b:/b")',
    ]);
    expect(variableWarnings({ LSF_DOCKER_VOLUMES: '/a:/a /b:/b' })).toEqual([]);
  });
  test('a memory limit below docker minimum, with its unit', () => {
    expect(memoryLimitProblem(4000 * 1024, '4000', 'KB')).toBe(
      "4000 KB (3.9 MB) is below docker's minimum of 6 MB (a bare number is in KB: e.g. 4096MB or 4G)",
    );
    expect(memoryLimitProblem(64 * 1024 * 1024, '64', 'MB')).toBeUndefined();
  });
});
