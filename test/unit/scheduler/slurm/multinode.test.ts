import { spawnSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import {
  containerPerNodeArgv,
  hostsContract,
  startLines,
} from '../../../../lib/scheduler/slurm/multinode.js';

const STARTER = [
  '/opt/lsf-docker/bin/docker_run',
  '--config',
  '/etc/lsf-docker/x.conf',
  '--',
  'echo $HOSTNAME; exit 3',
];

/** Runs the lines with `exec` printing its argv (NUL-separated) instead of replacing the shell. */
function execArgvOf(lines: string[], env: Record<string, string>): string[] {
  const script = `printargs() { printf '%s\\0' "$@"; exit 0; }\nalias exec=printargs\n${lines.join('\n')}\n`;
  const r = spawnSync('/bin/sh', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
  });
  expect(r.status).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('one container per node', () => {
  test('srun argv for a known node count', () => {
    expect(containerPerNodeArgv(STARTER, 2)).toEqual([
      'srun',
      '--whole',
      '--ntasks-per-node=1',
      '--kill-on-bad-exit=1',
      '--nodes=2',
      '--ntasks=2',
      '--',
      ...STARTER,
    ]);
    expect(() => containerPerNodeArgv(STARTER, 0)).toThrow(RangeError);
  });

  test('the script execs srun over several nodes, the starter itself on one', () => {
    const lines = startLines(STARTER, { multiNode: true, srun: '/usr/bin/srun' });
    expect(execArgvOf(lines, { SLURM_JOB_NUM_NODES: '3' })).toEqual(
      containerPerNodeArgv(STARTER, 3, '/usr/bin/srun'),
    );
    expect(execArgvOf(lines, { SLURM_JOB_NUM_NODES: '1' })).toEqual(STARTER);
    expect(execArgvOf(lines, {})).toEqual(STARTER);
    expect(startLines(STARTER, { multiNode: false })).toEqual([
      `exec '/opt/lsf-docker/bin/docker_run' '--config' '/etc/lsf-docker/x.conf' '--' 'echo $HOSTNAME; exit 3'`,
    ]);
  });

  test('host list inside: one name per slot, and name count pairs', () => {
    expect(hostsContract(['n1', 'n2', 'n3'], [2, 2, 1])).toEqual({
      LSB_HOSTS: 'n1 n1 n2 n2 n3',
      LSB_MCPU_HOSTS: 'n1 2 n2 2 n3 1',
    });
    expect(() => hostsContract(['n1'], [1, 2])).toThrow(RangeError);
  });
});
