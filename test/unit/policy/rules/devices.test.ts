import type { Config } from '../../../../lib/config/schema.js';
import { devicesRule, gpuVariables } from '../../../../lib/policy/rules/devices.js';
import type { GpuSpec } from '../../../../lib/runtime/container-spec.js';
import { requestFor, ruleContext } from '../../helpers/fixtures.js';

const IB = ['/dev/infiniband/rdma_cm', '/dev/infiniband/uverbs0'];
const ASKS_TWO = 'select[ngpus>0] rusage[ngpus_physical=2.00]';

describe('devicesRule: the InfiniBand devices present, and the GPUs the job may use', () => {
  test.each<[string, Record<string, string>, string[], Config['devices']['gpus'], GpuSpec, string]>([
    [
      'allocated GPUs',
      { CUDA_VISIBLE_DEVICES: '1,3', LSB_EFFECTIVE_RSRCREQ: ASKS_TWO },
      ['0', '1', '2', '3'],
      'allocated',
      { kind: 'devices', ids: ['1', '3'] },
      'GPUs 1,3 passed (allocated by LSF), seen inside as 0,1',
    ],
    [
      'GPU UUIDs',
      { CUDA_VISIBLE_DEVICES: 'GPU-0123abcd-4567', LSB_EFFECTIVE_RSRCREQ: ASKS_TWO },
      ['0'],
      'allocated',
      { kind: 'devices', ids: ['GPU-0123abcd-4567'] },
      'GPUs GPU-0123abcd-4567 passed (allocated by LSF), seen inside as 0',
    ],
    [
      'CUDA_VISIBLE_DEVICES exported by a job that asked for no GPU',
      { CUDA_VISIBLE_DEVICES: '1', LSB_EFFECTIVE_RSRCREQ: 'select[type == local]' },
      ['0', '1'],
      'allocated',
      { kind: 'none' },
      "CUDA_VISIBLE_DEVICES=1 but the job's resource request asks for no GPU: none passed",
    ],
    [
      'no GPU allocated',
      {},
      ['0'],
      'allocated',
      { kind: 'none' },
      'no GPU allocated to this job: none passed',
    ],
    [
      'a host without GPUs',
      { CUDA_VISIBLE_DEVICES: '0' },
      [],
      'allocated',
      { kind: 'none' },
      'this host has no GPU: none passed',
    ],
    ['GPUs off', { CUDA_VISIBLE_DEVICES: '0' }, ['0'], 'off', { kind: 'none' }, 'GPUs disabled by the admin'],
    ['all GPUs', {}, ['0', '1'], 'all', { kind: 'all' }, 'all GPUs passed ([devices] gpus = all)'],
  ])('%s', (_name, env, hostGpus, mode, gpus, decision) => {
    const ctx = ruleContext(
      (c) => {
        c.devices.gpus = mode;
      },
      { gpus: hostGpus },
    );
    expect(devicesRule(requestFor(env), ctx)).toEqual({
      ok: true,
      part: { paths: IB, gpus },
      decisions: [decision],
    });
  });

  test.each<[string, Record<string, string>, string]>([
    [
      'more GPUs than asked',
      { CUDA_VISIBLE_DEVICES: '0,1,2', LSB_EFFECTIVE_RSRCREQ: ASKS_TWO },
      "3 GPUs listed, but the job's resource request asks for 2",
    ],
    [
      'a GPU the host lacks',
      { CUDA_VISIBLE_DEVICES: '0,7', LSB_EFFECTIVE_RSRCREQ: ASKS_TWO },
      'GPU 7 does not exist on this host (it has 0,1,2,3)',
    ],
  ])('%s: refused', (_name, env, message) => {
    const ctx = ruleContext(undefined, { gpus: ['0', '1', '2', '3'] });
    expect(devicesRule(requestFor(env), ctx)).toEqual({
      ok: false,
      problems: [{ variable: 'CUDA_VISIBLE_DEVICES', message }],
    });
  });

  test('only the admin devices present on this host', () => {
    const ctx = ruleContext((c) => {
      c.devices.infiniband = ['/dev/infiniband/issm0', '/dev/infiniband/uverbs0'];
    });
    expect(devicesRule(requestFor(), ctx)).toMatchObject({
      ok: true,
      part: { paths: ['/dev/infiniband/uverbs0'] },
    });
  });
});

describe('gpuVariables: what the GPU libraries inside are told', () => {
  test.each<[GpuSpec, Array<[string, string]>]>([
    [{ kind: 'none' }, [['NVIDIA_VISIBLE_DEVICES', 'void']]],
    [{ kind: 'all' }, [['NVIDIA_VISIBLE_DEVICES', 'all']]],
    [
      { kind: 'devices', ids: ['1', '3'] },
      [
        ['NVIDIA_VISIBLE_DEVICES', '1,3'],
        ['CUDA_VISIBLE_DEVICES', '0,1'],
      ],
    ],
  ])('%j', (gpus, vars) => {
    expect(gpuVariables(gpus)).toEqual(vars);
  });
});
