import type { JobFiles } from '../../../host/private-dir.js';
import type { ContainerSpec } from '../../container-spec.js';
import type { BodyPart } from './types.js';

/**
 * One concern's part of the create body: the Engine API twin of an argv section of
 * lib/runtime/docker/argv (same name, same concern), kept in step by
 * test/unit/runtime/docker-api/translate.test.ts.
 */
export type BodySection = (spec: ContainerSpec, files: JobFiles) => BodyPart;
