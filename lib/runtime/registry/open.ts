import { readFileSync, statSync } from 'node:fs';
import type { ImageRef } from '../../kernel/grammar/image.js';
import { VERSION } from '../../kernel/version.js';
import { type Fetch, RegistryClient } from './client.js';
import { type Credentials, credentialsFor } from './credentials.js';
import { registryTarget } from './target.js';

export const USER_AGENT = `lsf-docker/${VERSION}`;

/**
 * The text of the user's docker config (~/.docker/config.json, the file docker_run hands the
 * CLI), read with the user's rights: directly when this process is the user, else through
 * READUSERFILE (the host probe's, which checks the user may read it). Undefined when absent.
 */
export function readUserDockerConfig(
  home: string,
  actingAsUser: boolean,
  readUserFile: (path: string) => string,
): string | undefined {
  const path = `${home}/.docker/config.json`;
  try {
    if (!actingAsUser) return readUserFile(path);
    if (statSync(path).size > 1024 * 1024) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface OpenOptions {
  /** [images] insecure_registries. */
  insecure: readonly string[];
  /** The text of the user's docker config, if any. */
  dockerConfig: string | undefined;
  signal: AbortSignal;
  fetch?: Fetch;
}

/** A registry client for REF with the user's credentials for its registry. */
export function openRegistry(
  ref: ImageRef,
  opts: OpenOptions,
): { client: RegistryClient; credentials: Credentials } {
  const credentials = credentialsFor(opts.dockerConfig, ref.registry);
  const client = new RegistryClient(registryTarget(ref, opts.insecure), {
    credentials,
    signal: opts.signal,
    userAgent: USER_AGENT,
    fetch: opts.fetch,
  });
  return { client, credentials };
}
