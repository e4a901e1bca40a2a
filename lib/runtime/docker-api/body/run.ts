import type { JobFiles } from '../../../host/private-dir.js';
import type { ContainerSpec } from '../../container-spec.js';
import type { RunArgvSections } from '../../docker/argv/run.js';
import { containerBody } from './container.js';
import { devicesBody } from './devices.js';
import { identityBody } from './identity.js';
import { networkBody } from './network.js';
import { commandBody, processBody } from './process.js';
import { resourcesBody } from './resources.js';
import type { BodySection } from './section.js';
import { securityBody } from './security.js';
import { storageBody } from './storage.js';
import type { CreateBody } from './types.js';

/** The create body's sections: one per argv section of DOCKER_RUN_SECTIONS, same names. */
export type CreateBodySections = Record<keyof RunArgvSections, BodySection>;

export const API_CREATE_SECTIONS: Readonly<CreateBodySections> = {
  container: containerBody,
  identity: identityBody,
  storage: storageBody,
  security: securityBody,
  process: processBody,
  network: networkBody,
  resources: resourcesBody,
  devices: devicesBody,
  command: commandBody,
};

/** SPEC -> the `POST /containers/create` body, the API twin of dockerRunArgv. Pure. */
export function createBody(
  spec: ContainerSpec,
  files: JobFiles,
  sections: Readonly<CreateBodySections> = API_CREATE_SECTIONS,
): CreateBody {
  const body: CreateBody = { HostConfig: {} };
  const env: string[] = [];
  for (const section of Object.values(sections)) {
    const part = section(spec, files);
    Object.assign(body, part.config);
    Object.assign(body.HostConfig, part.host);
    if (part.env) env.push(...part.env);
  }
  if (env.length > 0) body.Env = [...(body.Env ?? []), ...env];
  return body;
}
