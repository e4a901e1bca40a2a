import type { JobFiles } from '../../../host/private-dir.js';
import type { ContainerSpec } from '../../container-spec.js';

/** One concern's part of a `run` argv. A runtime that differs in one concern replaces that section only. */
export type ArgvSection = (spec: ContainerSpec, files: JobFiles) => string[];
