import { parseImageRef, registryAllowed } from '../../kernel/grammar/image.js';
import type { JobRequest } from '../../request/job-request.js';
import type { ImageSpec } from '../../runtime/container-spec.js';
import { Findings, type RuleContext, type Ruling } from './rule.js';

/** The image: the job's name after the admin's aliases, from an allowed registry, pulled as the admin says. */
export function imageRule(request: JobRequest, { config }: RuleContext): Ruling<ImageSpec> {
  const found = new Findings();
  let ref = request.imageText;
  const alias = config.images.aliases[ref];
  if (alias) {
    found.decide(`image alias ${ref} -> ${alias}`);
    ref = alias;
  }
  const parsed = parseImageRef(ref);
  if (!parsed.ok) {
    found.refuse(request.imageVariable, `"${ref}" ${parsed.reason}`);
  } else if (!registryAllowed(parsed.ref, config.images.allowRegistries)) {
    found.refuse(
      request.imageVariable,
      `registry ${parsed.ref.registry} of "${ref}" is not allowed (allowed: ${config.images.allowRegistries.join(', ')})`,
    );
  }
  return found.ruling({ ref, pull: config.docker.pull });
}
