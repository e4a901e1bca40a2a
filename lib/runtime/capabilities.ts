import { DOCKER_CAPABILITIES } from './docker/runtime.js';
import { podmanCapabilities, podmanHostFacts } from './podman/capabilities.js';
import type { RuntimeCapabilities, RuntimeName } from './types.js';

/**
 * What each engine can do on this host, known before any runtime is made: policy judges a job
 * against these facts (lib/policy/rules/runtime-fit.ts) while it is decided, and the runtime
 * createRuntime() makes reports the same ones. Read for every job, never cached.
 */
const CAPABILITIES: Record<RuntimeName, () => RuntimeCapabilities> = {
  docker: () => DOCKER_CAPABILITIES,
  podman: () => podmanCapabilities(podmanHostFacts()),
};

/** The capabilities of ENGINE ([docker] engine) for this process on this host. */
export function runtimeCapabilities(engine: RuntimeName): RuntimeCapabilities {
  return CAPABILITIES[engine]();
}
