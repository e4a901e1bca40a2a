import type { Config } from '../config/schema.js';
import type { Identity } from '../host/identity.js';
import type { ImageRef } from '../kernel/grammar/image.js';
import type { ContextRef } from './context-ref.js';
import type { ParsedBuildArgs } from './options.js';

/** Which builder runs the build: the options it understands and its output differ. */
export type Builder = 'classic' | 'buildkit';

/** A file-system check to make, as the user, before docker sees anything (see access.ts). */
export type PathCheck =
  | { kind: 'context'; path: string }
  /** A file the docker CLI reads (Dockerfile, secret, ssh key): the user must be able to read it. */
  | { kind: 'read-file'; path: string; subject: string }
  /** A file the docker CLI writes: it must go into a directory the user owns. */
  | { kind: 'write-file'; path: string; subject: string };

/** What the build will do, decided before anything runs. */
export interface BuildPlan {
  /** Arguments after the docker binary: ['build', ...options, ...tags, '--', context]. */
  argv: string[];
  /** Every tag, normalised, in order (the esub's tag first), without duplicates. */
  tags: ImageRef[];
  context: ContextRef;
  /** The -f value as resolved (absolute for a local context), if given. */
  dockerfile?: string;
  /**
   * The user's --iidfile path when docker is pointed at a private file instead (acting as root for
   * the user): the wrapper copies the result there as the user after the build.
   */
  iidfile?: string;
  pathChecks: PathCheck[];
  /** One line per decision, logged at DEBUG. */
  decisions: string[];
}

export interface BuildPolicyInput {
  args: ParsedBuildArgs;
  /** LSB_DOCKER_BUILD_TAG, the tag given to the esub. */
  envTag: string | undefined;
  config: Config;
  identity: Pick<Identity, 'user' | 'uid'>;
  builder: Builder;
  cwd: string;
  /**
   * Set when the docker CLI runs as root for the user (sudo): git contexts are refused (the CLI
   * would run git as root) and --iidfile is written by docker into PRIVATE_IIDFILE, not the user's path.
   */
  asRoot?: { privateIidfile: string };
}

/** Why a git context is refused when the docker CLI runs as root for the user. */
export const GIT_AS_ROOT =
  'a git context is not supported when docker_build runs as root for you (sudo): the docker CLI would run git as root; clone it yourself and give the directory, or give a tarball URL';
