import type { GpuSpec } from '../../container-spec.js';
import type { BodySection } from './section.js';
import type { ApiDeviceRequest } from './types.js';

/** --gpus as the CLI sends it: a device request for the "gpu" capability, all (-1) or by id. Pure. */
export function gpuRequests(gpus: GpuSpec): ApiDeviceRequest[] {
  if (gpus.kind === 'none') return [];
  const all = gpus.kind === 'all';
  return [
    {
      Driver: '',
      Count: all ? -1 : 0,
      DeviceIDs: all ? null : [...gpus.ids],
      Capabilities: [['gpu']],
      Options: {},
    },
  ];
}

/** Device nodes at their own path with rwm, and the GPUs (argv: devicesArgs). */
export const devicesBody: BodySection = ({ devices }) => ({
  host: {
    Devices: devices.paths.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
    DeviceRequests: gpuRequests(devices.gpus),
  },
});
