/**
 * The cluster side: the [scheduler] and [slurm] config sections, slurm.conf's ClusterName and
 * KillWait (doctor's check against [job] terminate_interval), and the sweep's scheduler liveness
 * (a container whose Slurm job has ended goes, even though its wrapper lives).
 */
import { describe, expect, test } from '@jest/globals';
import { configFromIni } from '../../../lib/config/load.js';
import { defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { fakeRuntime } from '../../../lib/runtime/fake.js';
import type { FoundContainer } from '../../../lib/runtime/types.js';
import type { SlurmClient } from '../../../lib/scheduler/slurm/client.js';
import {
  DEFAULT_KILL_WAIT,
  killWaitVerdict,
  parseSlurmConf,
} from '../../../lib/scheduler/slurm/cluster-conf.js';
import { slurmJobEnded, slurmJobEndedPort } from '../../../lib/scheduler/slurm/liveness.js';
import type { SlurmJobRecord, SqueueParse } from '../../../lib/scheduler/slurm/states.js';
import { sweepAll } from '../../../lib/sweep/sweep.js';

describe('[scheduler] and [slurm]', () => {
  test('defaults: the local LSF; Slurm clients read /etc/slurm/slurm.conf, direct starter', () => {
    const c = defaultConfig();
    expect(c.scheduler.backend).toBe('local');
    expect(c.slurm).toEqual({
      conf: '/etc/slurm/slurm.conf',
      partition: undefined,
      binDir: undefined,
      defaultOutput: undefined,
      maxArrayIndex: 1000,
      pollInterval: 1,
      timeout: 60,
      starter: 'direct',
    });
  });

  test('every key parses', () => {
    const c = configFromIni(
      {
        scheduler: { backend: 'SLURM' },
        slurm: {
          conf: '/var/lib/s/etc/slurm.conf',
          partition: 'debug',
          bin_dir: '/usr/bin',
          default_output: '/spool/%u/%j.out',
          max_array_index: '4000',
          poll_interval: '0.5',
          timeout: '20',
          starter: 'sudo',
        },
      },
      'test.conf',
    );
    expect(c.scheduler.backend).toBe('slurm');
    expect(c.slurm).toEqual({
      conf: '/var/lib/s/etc/slurm.conf',
      partition: 'debug',
      binDir: '/usr/bin',
      defaultOutput: '/spool/%u/%j.out',
      maxArrayIndex: 4000,
      pollInterval: 0.5,
      timeout: 20,
      starter: 'sudo',
    });
  });

  test.each<[Record<string, Record<string, string>>, RegExp]>([
    [{ scheduler: { backend: 'pbs' } }, /\[scheduler\] backend: must be one of local, slurm/],
    [{ slurm: { conf: 'slurm.conf' } }, /\[slurm\] conf: "slurm.conf" is not an absolute path/],
    [{ slurm: { partition: 'a b' } }, /\[slurm\] partition: must be a partition name/],
    [{ slurm: { default_output: 'out/%j' } }, /\[slurm\] default_output: "out\/%j" is not an absolute path/],
    [{ slurm: { default_output: '/o/\\%j' } }, /\[slurm\] default_output: .*not allowed in a path/],
    [{ slurm: { starter: 'setuid' } }, /\[slurm\] starter: must be one of direct, sudo/],
    [{ slurm: { poll_interval: '0' } }, /\[slurm\] poll_interval: must be a number of seconds/],
    [{ slurm: { max_array_index: '0' } }, /\[slurm\] max_array_index: must be a whole number from 1/],
  ])('%j is refused by name', (ini, message) => {
    expect(() => configFromIni(ini, 'test.conf')).toThrow(
      expect.objectContaining({ code: ExitCode.CONFIG, message: expect.stringMatching(message) }),
    );
  });
});

describe('slurm.conf: ClusterName and KillWait', () => {
  test('read as Slurm does: keys in any case, comments, several settings on a line, the last wins', () => {
    const text = [
      '# KillWait=99',
      'ClusterName=lsfd',
      'killwait=10 # first',
      'KillWait=15',
      'NodeName=n[1-3] CPUs=2 RealMemory=2000',
      'Include /etc/slurm/extra.conf',
    ].join('\n');
    expect(parseSlurmConf(text)).toEqual({
      clusterName: 'lsfd',
      killWait: 15,
      includes: ['/etc/slurm/extra.conf'],
    });
  });

  test("Slurm's default without KillWait (30 s), and for a value that is not a number", () => {
    expect(parseSlurmConf('ClusterName=x\n').killWait).toBe(DEFAULT_KILL_WAIT);
    expect(parseSlurmConf('KillWait=soon\n').killWait).toBe(DEFAULT_KILL_WAIT);
  });

  test.each<[number, number, 'ok' | 'warn' | 'fail']>([
    [15, 10, 'ok'],
    [30, 10, 'ok'],
    [14, 10, 'warn'],
    [12, 10, 'warn'],
    [11, 10, 'fail'],
    [10, 10, 'fail'],
    [4, 10, 'fail'],
    [6, 0.5, 'ok'],
    [5, 0.5, 'warn'],
  ])('KillWait %i, terminate_interval %d: %s', (killWait, interval, level) => {
    const verdict = killWaitVerdict(killWait, interval);
    expect(verdict.level).toBe(level);
    expect(verdict.detail).toContain(`KillWait ${killWait}s, [job] terminate_interval ${interval}s`);
    if (level !== 'ok') expect(verdict.detail).toContain(`set KillWait >= ${Math.ceil(interval + 5)}`);
  });
});

const record = (slurmId: number, state: SlurmJobRecord['state']): SlurmJobRecord => ({
  slurmId,
  id: slurmId,
  index: 0,
  name: 'j',
  user: 'alice',
  uid: 4201,
  slurmState: [state === 'EXIT' ? 'NODE_FAIL' : 'RUNNING'],
  state,
  partition: 'debug',
  nodeList: 'n1',
  nodes: ['n1'],
});

describe('scheduler liveness: has the Slurm job of a container ended?', () => {
  test.each<[SlurmJobRecord[], boolean]>([
    [[record(9, 'RUN')], false],
    [[record(9, 'PEND')], false],
    [[record(9, 'EXIT')], true],
    [[record(9, 'DONE')], true],
    [[record(8, 'RUN')], true],
    [[], true],
  ])('%j -> %s', (records, ended) => {
    expect(slurmJobEnded(records, 9)).toBe(ended);
  });

  const client = (parse: SqueueParse | Error) => {
    const calls: number[] = [];
    return {
      calls,
      client: {
        squeue: async () => {
          calls.push(1);
          if (parse instanceof Error) throw parse;
          return parse;
        },
      } as unknown as SlurmClient,
    };
  };
  const parse = (records: SlurmJobRecord[], errors: string[] = []): SqueueParse => ({
    records,
    errors,
    skipped: [],
  });
  const labels = (slurm?: string): Record<string, string> =>
    slurm === undefined ? {} : { 'lsf-docker.slurm': slurm };

  test('one squeue for the whole sweep, only when a container has the label', async () => {
    const c = client(parse([record(9, 'EXIT'), record(10, 'RUN')]));
    const ended = slurmJobEndedPort(c.client, 'lsfd', () => {});
    expect(await ended(labels())).toBe(false);
    expect(c.calls).toHaveLength(0);
    expect(await ended(labels('9@lsfd'))).toBe(true);
    expect(await ended(labels('10@lsfd'))).toBe(false);
    expect(await ended(labels('11@'))).toBe(true);
    expect(c.calls).toHaveLength(1);
  });

  test('never on doubt: another cluster, a failed squeue, a partial answer', async () => {
    const problems: string[] = [];
    const gone = parse([]);
    expect(
      await slurmJobEndedPort(client(gone).client, 'lsfd', (p) => problems.push(p))(labels('9@other')),
    ).toBe(false);
    const failed = client(new Error('squeue: no answer within 60s'));
    expect(await slurmJobEndedPort(failed.client, 'lsfd', (p) => problems.push(p))(labels('9@lsfd'))).toBe(
      false,
    );
    const partial = client(parse([], ['Unable to contact slurm controller']));
    expect(await slurmJobEndedPort(partial.client, 'lsfd', (p) => problems.push(p))(labels('9@lsfd'))).toBe(
      false,
    );
    expect(problems).toEqual([
      "squeue: no answer within 60s: Slurm's jobs not judged",
      "squeue: Unable to contact slurm controller: Slurm's jobs not judged",
    ]);
  });

  test('sweepAll removes the container of an ended job although its wrapper lives; a running one stays', async () => {
    const container = (n: number, slurm: string): FoundContainer => ({
      id: String(n).repeat(64),
      name: `lsf_${n}_0_2000`,
      running: true,
      user: '4201:4201',
      workdir: '/',
      labels: {
        'lsf-docker.managed': 'true',
        'lsf-docker.uid': '4201',
        'lsf-docker.host': 'node1',
        'lsf-docker.pid': '2000',
        'lsf-docker.slurm': slurm,
      },
    });
    const runtime = fakeRuntime({ containers: [container(9, '9@lsfd'), container(10, '10@lsfd')] });
    const report = await sweepAll(runtime, {
      tmpRoot: '/nonexistent',
      host: 'node1',
      uid: 4201,
      selfPid: 1,
      isAlive: () => true,
      jobEnded: slurmJobEndedPort(
        client(parse([record(9, 'EXIT'), record(10, 'RUN')])).client,
        'lsfd',
        () => {},
      ),
      dryRun: false,
      orphanAgeMs: 60_000,
      euid: process.geteuid!(),
      // The labels alone (no private dir behind them here): root's proof is tested in test/unit/sweep.
      requireProof: false,
    });
    expect(report).toEqual({ containers: ['lsf_9_0_2000'], dirs: [], problems: [], kept: [] });
  });
});
