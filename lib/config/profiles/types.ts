/**
 * Trusted admin profiles: `[profile NAME]` sections of the config. A profile names who may use it
 * (users[], groups[]: identity from the OS) and widens top-level keys (`network.allow[] = host`)
 * for the jobs that ask for it. lib/config/profiles/effective.ts applies one before policy runs:
 * policy never knows profiles exist.
 */

/** One widening key as the admin wrote it, its value parsed by the top-level key's own parser. */
export interface ProfileWidening {
  /** `<section>.<key>`, e.g. `network.allow`. */
  key: string;
  value: unknown;
}

export interface ProfileDef {
  name: string;
  /** User names that may use the profile. */
  users: string[];
  /** Group names whose members (primary or supplementary, as the OS says) may use it. */
  groups: string[];
  /** A fixed container name: the previous container of that name, the same user's from this profile, is replaced. */
  containerName?: string;
  /** The widening keys, in file order. */
  widen: ProfileWidening[];
}

/** Every profile of the config, by name. */
export type Profiles = Record<string, ProfileDef>;

/** Who asks for a profile, from the OS (lib/host/identity-from-os.ts), never from the environment. */
export interface Who {
  user: string;
  uid: number;
  /** Names of the user's primary and supplementary groups. */
  groups: string[];
}

/** What the host contributes to a profile's placeholders. */
export interface HostFacts {
  /** `uname -r`: replaces {kernel} in mounts. */
  kernel: string;
}

/** A profile the job asked for, and where it asked (LSF_DOCKER_PROFILE, or --profile in the job starter line). */
export interface ProfileChoice {
  name: string;
  source: 'LSF_DOCKER_PROFILE' | '--profile';
}

/** A profile that applied to a job: what explain shows and the audit line records. */
export interface AppliedProfile {
  name: string;
  source: ProfileChoice['source'];
  /** Why this user may use it: "user flp" or "group pda". */
  grantedBy: string;
  containerName?: string;
  privileged: boolean;
  /** What it widened, one entry per change ("network.allow += host"); keys that changed nothing are absent. */
  changes: string[];
}
