import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { jobLabels, LABEL } from '../../../lib/kernel/labels.js';
import { containerName, PRIVATE_DIR_NAME, privateDirTemplate } from '../../../lib/kernel/names.js';
import { policyRefusals, requestProblems } from '../../../lib/kernel/problems.js';
import { exitStatus, signalName } from '../../../lib/kernel/signals.js';

describe('Problems', () => {
  test('nothing collected: nothing thrown', () => {
    const p = requestProblems();
    expect(p.any).toBe(false);
    expect(() => p.throwIfAny()).not.toThrow();
  });

  test('one problem is thrown as itself, with its maker’s code', () => {
    const p = policyRefusals();
    p.add('LSF_DOCKER_NETWORK', 'host is not allowed');
    expect(() => p.throwIfAny()).toThrow(
      expect.objectContaining({ code: ExitCode.POLICY, message: 'LSF_DOCKER_NETWORK: host is not allowed' }),
    );
  });

  test('several problems: one line each, the first one’s code', () => {
    const p = requestProblems();
    p.add('A', 'bad');
    p.add('B', 'worse');
    expect(() => p.throwIfAny()).toThrow(
      expect.objectContaining({ code: ExitCode.BAD_REQUEST, message: 'A: bad\nB: worse' }),
    );
  });
});

describe('labels and names', () => {
  test('the labels of a job, in docker_run’s order', () => {
    expect(jobLabels({ id: 12, index: 3, uid: 1000, host: 'h', pid: 77 })).toEqual([
      [LABEL.managed, 'true'],
      ['lsf-docker.job', '12'],
      ['lsf-docker.index', '3'],
      ['lsf-docker.uid', '1000'],
      ['lsf-docker.host', 'h'],
      ['lsf-docker.pid', '77'],
    ]);
    expect(jobLabels({ index: 0, uid: 1, host: 'h', pid: 2 })[1]).toEqual(['lsf-docker.job', '']);
  });

  test('container names', () => {
    expect(containerName({ id: 12, index: 0 }, 99)).toBe('lsf_12_0_99');
    expect(containerName({ index: 0 }, 99)).toBe('lsf_local_99');
  });

  test('a private dir made from the template matches PRIVATE_DIR_NAME', () => {
    const name = `${privateDirTemplate('/tmp', 1000).slice('/tmp/'.length)}AbC123`;
    expect(PRIVATE_DIR_NAME.exec(name)?.[1]).toBe('1000');
    expect(PRIVATE_DIR_NAME.test('lsf-docker.host')).toBe(false);
  });
});

describe('signals', () => {
  test('names by number, statuses by death', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(99)).toBeUndefined();
    expect(exitStatus(3, null)).toBe(3);
    expect(exitStatus(null, 'SIGTERM')).toBe(143);
    // Every signal, not only those bkill knows by name: a job starter that aborts (SIGABRT) is 134, not 128.
    expect(exitStatus(null, 'SIGABRT')).toBe(134);
    expect(exitStatus(null, 'SIGSEGV')).toBe(139);
  });
});
