import type { ImageRef } from '../kernel/grammar/image.js';
import type { Resolution } from '../runtime/registry/resolve.js';

export const DIGEST_VARIABLE = 'LSB_CONTAINER_IMAGE_DIGEST';

/** What the registry's answer means for the submission: accept (with notes and variables) or reject. */
export type ImageVerdict =
  | { ok: true; env: Array<[string, string]>; stderr: string[] }
  | { ok: false; reason: string };

export interface VerdictContext {
  /** The image as the job will name it (LSB_CONTAINER_IMAGE). */
  image: string;
  ref: ImageRef;
  /** [images] pin_digest. */
  pin: boolean;
}

const repo = (ref: ImageRef) => `${ref.registry}/${ref.path}`;

/** Why a registry's answer rejects the job, or undefined when it does not. Pure. */
function rejection(r: Resolution, { image, ref }: VerdictContext): string | undefined {
  switch (r.kind) {
    case 'missing':
      if (r.what === 'repository') return `"${image}": repository ${repo(ref)} does not exist`;
      if (r.what === 'digest') return `"${image}": digest ${ref.digest} does not exist in ${repo(ref)}`;
      return `"${image}": tag ${ref.tag} does not exist in ${repo(ref)}`;
    case 'no-platform':
      return `"${image}": no manifest for ${r.wanted} (it has ${r.offered.join(', ') || 'no platform'})`;
    case 'refused':
      return `"${image}": ${ref.registry} refused your credentials (docker login ${ref.registry} again, or log in with LSB_DOCKER_LOGIN_ONLY=1)`;
    default:
      return undefined;
  }
}

/** A note for an answer that leaves the image unchecked (the job decides when it runs). Pure. */
function note(r: Resolution, { image, ref, pin }: VerdictContext): string | undefined {
  const unpinned = pin && !ref.digest ? ', not pinned' : '';
  if (r.kind === 'needs-login') {
    return `note: ${ref.registry} wants a login to check "${image}": not checked${unpinned} (the job's pull needs one too)`;
  }
  if (r.kind === 'unreachable') {
    return `note: registry ${ref.registry} did not answer (${r.detail}): "${image}" not checked${unpinned}`;
  }
  return undefined;
}

/**
 * The submission's verdict from the registry's answer R (undefined: the credentials are in a
 * helper the wrapper never runs). A found image is pinned when asked (and not already a digest);
 * a digest inherited from the submission environment is cleared when none is pinned now. Pure.
 */
export function imageVerdict(
  r: Resolution | { kind: 'helper'; helper: string },
  ctx: VerdictContext,
  inherited: string | undefined,
): ImageVerdict {
  if (r.kind === 'helper') {
    const unpinned = ctx.pin && !ctx.ref.digest ? ', not pinned' : '';
    return withDigest(
      [
        `note: your credentials for ${ctx.ref.registry} are kept by docker-credential-${r.helper}: "${ctx.image}" not checked${unpinned}`,
      ],
      undefined,
      inherited,
    );
  }
  const reason = rejection(r, ctx);
  if (reason) return { ok: false, reason };
  const digest = r.kind === 'found' && ctx.pin && !ctx.ref.digest ? r.digest : undefined;
  const line = note(r, ctx);
  return withDigest(line ? [line] : [], digest, inherited);
}

/** The digest variable: set when pinned, cleared when the environment brought one in. Pure. */
export function withDigest(
  stderr: string[],
  digest: string | undefined,
  inherited: string | undefined,
): ImageVerdict {
  const env: Array<[string, string]> = [];
  if (digest) env.push([DIGEST_VARIABLE, digest]);
  else if (inherited !== undefined) env.push([DIGEST_VARIABLE, '']);
  return { ok: true, env, stderr };
}
