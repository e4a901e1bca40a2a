import { type KeyDef, key, section } from '../key-def.js';
import { absPath, bool, fail, list, type Parse, registries, seconds, size, str } from '../parsers.js';

/** [images]: where images may come from, the submit-time check, digest pinning and the image GC. */
export interface ImagesConfig {
  allowRegistries: string[];
  /**
   * Registries spoken to over plain HTTP (or TLS without verification): podman gets
   * --tls-verify=false for its pull, login and push there; the submit-time check speaks plain
   * HTTP to them (loopback registries always are, as docker does). Docker's daemon has its own list.
   */
  insecureRegistries: string[];
  aliases: Record<string, string>;
  /** esub.docker resolves the tag to a digest and every element of the job runs that digest. */
  pinDigest: boolean;
  /** esub.docker asks the registry whether the image exists (for this platform, with the user's credentials). */
  checkAtSubmit: boolean;
  /** Seconds the submit-time check may take before the registry counts as unreachable. */
  checkTimeout: number;
  /** Seconds a registry that did not answer is not asked again by the same user's checks (0: always ask). */
  checkRetryAfter: number;
  /** The platform jobs run on (os/arch[/variant]); the manifest must offer it. */
  platform: string;
  /** Per-host dir of the pull locks and last-use records (root-owned; 1777 when users run docker_run). */
  stateDir: string;
  /** The image GC starts when the images on this host take more than this (bytes). */
  gcMaxBytes: number | undefined;
  /** ... and removes images until they take at most this (default: 80% of gc_max_bytes). */
  gcTargetBytes: number | undefined;
  /** The same as percentages of the filesystem that holds the image store. */
  gcHighPercent: number | undefined;
  gcLowPercent: number | undefined;
  /** Seconds an image must have been unused (and on the host) before the GC may remove it. */
  gcMinAge: number;
  /** References or prefixes (or sha256: image ids) the GC never removes. */
  keep: string[];
  /** docker_run collects after each job when the store is over its high mark. */
  gcAfterJob: boolean;
}

/** The platform of this host, as registries name it. */
export function hostPlatform(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm/v7', ppc64: 'ppc64le' };
  return `linux/${names[arch] ?? arch}`;
}

export const imagesDefaults = (): ImagesConfig => ({
  allowRegistries: [],
  insecureRegistries: [],
  aliases: {},
  pinDigest: false,
  checkAtSubmit: true,
  checkTimeout: 5,
  checkRetryAfter: 60,
  platform: hostPlatform(),
  stateDir: '/var/lib/lsf-docker/images',
  gcMaxBytes: undefined,
  gcTargetBytes: undefined,
  gcHighPercent: undefined,
  gcLowPercent: undefined,
  gcMinAge: 3600,
  keep: [],
  gcAfterJob: false,
});

const platform: Parse<string> = (raw, name) => {
  const text = str(raw, name).toLowerCase();
  return /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(text)
    ? text
    : fail('must be OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64/v8');
};
const percent: Parse<number | undefined> = (raw, name) => {
  const text = str(raw, name).replace(/%$/, '');
  if (text === '') return undefined;
  const n = Number(text);
  return /^\d+(\.\d+)?$/.test(text) && n > 0 && n <= 100 ? n : fail('must be a percentage from 1 to 100');
};
const ageSeconds: Parse<number> = (raw, name) => {
  const text = str(raw, name);
  return /^\d+$/.test(text) && Number(text) <= 10 * 365 * 86400
    ? Number(text)
    : fail('must be a whole number of seconds (0 or more)');
};
const keepList: Parse<string[]> = (raw, name) =>
  list(raw, name).map((entry) =>
    /^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]*$/.test(entry)
      ? entry
      : fail(`"${entry}" is not an image reference, a prefix of one or a sha256: image id`),
  );

export const IMAGES_KEYS: KeyDef[] = section<ImagesConfig>('images', [
  key('allow_registries', registries, (s, v) => (s.allowRegistries = v)),
  key('pin_digest', bool, (s, v) => (s.pinDigest = v)),
  key('check_at_submit', bool, (s, v) => (s.checkAtSubmit = v)),
  key('check_timeout', seconds(60), (s, v) => (s.checkTimeout = v)),
  key('check_retry_after', ageSeconds, (s, v) => (s.checkRetryAfter = v)),
  key('platform', platform, (s, v) => (s.platform = v)),
  key('insecure_registries', registries, (s, v) => (s.insecureRegistries = v)),
  key('state_dir', absPath, (s, v) => (s.stateDir = v)),
  key('gc_max_bytes', size, (s, v) => (s.gcMaxBytes = v)),
  key('gc_target_bytes', size, (s, v) => (s.gcTargetBytes = v)),
  key('gc_high_percent', percent, (s, v) => (s.gcHighPercent = v)),
  key('gc_low_percent', percent, (s, v) => (s.gcLowPercent = v)),
  key('gc_min_age', ageSeconds, (s, v) => (s.gcMinAge = v)),
  key('keep', keepList, (s, v) => (s.keep = v)),
  key('gc_after_job', bool, (s, v) => (s.gcAfterJob = v)),
]);
