import type { Identity } from '../host/identity.js';
import { type ImageRef, parseImageRef, registryAllowed } from '../kernel/grammar/image.js';

/** What the admin says about the tags a build may push ([build] in the config). */
export interface TagPolicy {
  allowRegistries: readonly string[];
  requireUserNamespace: boolean;
}

export type TagDecision = { ok: true; ref: ImageRef } | { ok: false; bad: boolean; reason: string };

/**
 * Normalises one tag (`name` -> `docker.io/library/name:latest`) and checks that it could be pushed
 * and that policy allows pushing it. `bad` tells a malformed tag from one that policy refuses.
 */
export function decideTag(text: string, policy: TagPolicy, identity: Pick<Identity, 'user'>): TagDecision {
  const parsed = parseImageRef(text);
  if (!parsed.ok) return { ok: false, bad: true, reason: `tag "${text}" ${parsed.reason}` };
  const { ref } = parsed;
  if (ref.digest) {
    return {
      ok: false,
      bad: true,
      reason: `tag "${text}" has a digest (@${ref.digest}): a build can only be tagged NAME[:TAG]`,
    };
  }
  if (!registryAllowed(ref, policy.allowRegistries)) {
    return {
      ok: false,
      bad: false,
      reason: `tag "${text}" is in registry ${ref.registry}, which the admin does not allow for builds (allowed: ${policy.allowRegistries.join(', ')})`,
    };
  }
  if (policy.requireUserNamespace) {
    const namespace = ref.path.split('/')[0];
    if (namespace !== identity.user || !ref.path.includes('/')) {
      return {
        ok: false,
        bad: false,
        reason: `tag "${text}" is outside your namespace: the admin requires REGISTRY/${identity.user}/NAME[:TAG]`,
      };
    }
  }
  return { ok: true, ref };
}
