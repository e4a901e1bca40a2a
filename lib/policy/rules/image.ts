import { pinnedReference } from '../../kernel/grammar/digest.js';
import { parseImageRef, registryAllowed } from '../../kernel/grammar/image.js';
import type { JobRequest } from '../../request/job-request.js';
import type { ImageSpec } from '../../runtime/container-spec.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/**
 * The image: the job's name after the admin's aliases, pinned to the digest esub.docker resolved
 * (LSB_CONTAINER_IMAGE_DIGEST), from an allowed registry, pulled as the admin says.
 */
export function imageRule(request: JobRequest, { config }: RuleContext): Ruling<ImageSpec> {
  const found = new Findings();
  let ref = request.imageText;
  const alias = config.images.aliases[ref];
  if (alias) {
    found.decide(`image alias ${ref} -> ${alias}`);
    ref = alias;
  }
  let variable = request.imageVariable;
  if (request.imageDigest) {
    const pinned = pinnedReference(ref, request.imageDigest);
    found.decide(`image pinned at submission: ${ref} -> ${pinned}`);
    ref = pinned;
    variable = 'LSB_CONTAINER_IMAGE_DIGEST';
  }
  const parsed = parseImageRef(ref);
  if (!parsed.ok) {
    found.refuse(variable, `"${ref}" ${parsed.reason}`);
  } else if (!registryAllowed(parsed.ref, config.images.allowRegistries)) {
    found.refuse(
      variable,
      `registry ${parsed.ref.registry} of "${ref}" is not allowed (allowed: ${config.images.allowRegistries.join(', ')})`,
    );
  }
  return found.ruling({ ref, pull: config.docker.pull });
}
