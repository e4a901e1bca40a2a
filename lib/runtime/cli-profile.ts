import { DOCKER_PROFILE } from './docker/profile.js';
import { PODMAN_PROFILE } from './podman/profile.js';
import type { CliProfile, RuntimeName } from './types.js';

export type { CliProfile, RootSessionFiles } from './types.js';

/** The CLI profile of ENGINE, for docker_build's own calls (build, login, push). */
const PROFILES: Record<RuntimeName, CliProfile> = { docker: DOCKER_PROFILE, podman: PODMAN_PROFILE };

export function cliProfile(engine: RuntimeName): CliProfile {
  return PROFILES[engine];
}
