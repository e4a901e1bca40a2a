import { type KeyDef, key, section } from '../key-def.js';
import { absPath, absPaths, devicePaths, oneOf } from '../parsers.js';

export const RIS_INFINIBAND = [
  '/dev/infiniband/issm0',
  '/dev/infiniband/rdma_cm',
  '/dev/infiniband/ucm0',
  '/dev/infiniband/umad0',
  '/dev/infiniband/uverbs0',
];

/** [devices]: GPUs and InfiniBand devices. */
export interface DevicesConfig {
  gpus: 'allocated' | 'all' | 'off';
  gpuDevDir: string;
  infiniband: string[];
  /** Other device nodes passed with --device, each only when present on the host. */
  device: string[];
}

export const devicesDefaults = (): DevicesConfig => ({
  gpus: 'allocated',
  gpuDevDir: '/dev',
  infiniband: [...RIS_INFINIBAND],
  device: [],
});

export const DEVICES_KEYS: KeyDef[] = section<DevicesConfig>('devices', [
  key('gpus', oneOf('allocated', 'all', 'off'), (s, v) => (s.gpus = v)),
  key('gpu_dev_dir', absPath, (s, v) => (s.gpuDevDir = v)),
  key('infiniband', absPaths, (s, v) => (s.infiniband = v)),
  key('device', devicePaths, (s, v) => (s.device = v)),
]);
