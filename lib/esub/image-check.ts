import type { Identity } from '../host/identity.js';
import { identityFromOs } from '../host/identity-from-os.js';
import { osProbe } from '../host/os-probe.js';
import { type ImageRef, parseImageRef } from '../kernel/grammar/image.js';
import { parsePlatform } from '../runtime/registry/manifest.js';
import { openRegistry, readUserDockerConfig } from '../runtime/registry/open.js';
import { type Resolution, resolveImage } from '../runtime/registry/resolve.js';
import { decideDockerEsub, type EsubDecision, type EsubInput } from './decide.js';
import { DIGEST_VARIABLE, imageVerdict, withDigest } from './image-verdict.js';
import { fileMemory, memoryDir, throughMemory } from './unreachable-memory.js';

/** How the check asks the registry (a test hands in its own). */
export type ResolveForUser = (
  ref: ImageRef,
  input: EsubInput,
) => Promise<Resolution | { kind: 'helper'; helper: string }>;

/** The registry's answer for REF, with the submitting user's credentials, within [images] check_timeout. */
export const resolveForUser: ResolveForUser = async (ref, input) => {
  const images = input.config.images;
  const identity = identityFromOs(input.env as NodeJS.ProcessEnv);
  const actingAsUser = process.geteuid!() === identity.uid;
  const ask = () => askRegistry(ref, input, identity, actingAsUser);
  // The user's own memory of silent registries, only for the user's own checks.
  if (!actingAsUser || images.checkRetryAfter === 0) return ask();
  const memory = fileMemory(memoryDir(input.env, identity.home));
  return throughMemory(ref.registry, ask, memory, images.checkRetryAfter);
};

async function askRegistry(ref: ImageRef, input: EsubInput, identity: Identity, actingAsUser: boolean) {
  const images = input.config.images;
  const probe = osProbe(identity, input.config.devices.gpuDevDir);
  const dockerConfig = readUserDockerConfig(identity.home, actingAsUser, probe.readUserFile);
  const { client, credentials } = openRegistry(ref, {
    insecure: images.insecureRegistries,
    dockerConfig,
    signal: AbortSignal.timeout(images.checkTimeout * 1000),
  });
  if (credentials.kind === 'helper') return credentials;
  return resolveImage(client, parsePlatform(images.platform));
}

/**
 * esub.docker with the submit-time check: what decideDockerEsub decides, then (when it accepts,
 * the pull policy is not never, and [images] check_at_submit or pin_digest is on) the registry:
 * a missing tag or repository, no manifest for [images] platform or refused credentials reject
 * the job; no answer, no login or credentials in a helper accept it with a note; with
 * pin_digest the digest goes to LSB_CONTAINER_IMAGE_DIGEST.
 */
export async function decideDockerEsubChecked(
  input: EsubInput,
  resolve: ResolveForUser = resolveForUser,
): Promise<EsubDecision> {
  const decided = decideDockerEsub(input);
  if (!decided.ok) return decided;
  const image = decided.env.find(([k]) => k === 'LSB_CONTAINER_IMAGE')?.[1] ?? '';
  const inherited = input.env[DIGEST_VARIABLE];
  const { images, docker } = input.config;
  const parsed = parseImageRef(image);
  const asks = (images.checkAtSubmit || images.pinDigest) && docker.pull !== 'never';
  const verdict =
    asks && parsed.ok
      ? imageVerdict(
          await resolve(parsed.ref, input),
          { image, ref: parsed.ref, pin: images.pinDigest },
          inherited,
        )
      : withDigest([], undefined, inherited);
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  return {
    ...decided,
    env: [...decided.env, ...verdict.env],
    stderr: [...(decided.stderr ?? []), ...verdict.stderr],
  };
}
