/**
 * A profile's fixed container name with replace semantics: before the job starts, the previous
 * container of that name is removed, but only when it is the same user's from the same profile.
 * Labels alone are no proof (whoever reaches the runtime can set them): the container must also
 * run as the user (its Config.User, which docker_run sets to the uid the OS gave it). Anyone
 * else's container of that name stops the job instead, and is left alone.
 */
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { LABEL, MANAGED_VALUE } from '../kernel/labels.js';
import type { Logger } from '../kernel/log/logger.js';
import type { ContainerRuntime, FoundContainer } from '../runtime/types.js';

export interface FixedName {
  name: string;
  profile: string;
  uid: number;
}

/** Why C is not WANT's to replace, or undefined when it is: ours, the same uid by its user and label, the same profile. */
export function foreignReason(c: FoundContainer, want: FixedName): string | undefined {
  const uid = String(want.uid);
  if (c.labels[LABEL.managed] !== MANAGED_VALUE) return 'it was not started by lsf-docker';
  if (c.user.split(':')[0] !== uid) return `it runs as ${c.user || "the image's user"}, not uid ${uid}`;
  if (c.labels[LABEL.uid] !== uid) return `its ${LABEL.uid} label is not ${uid}`;
  if (c.labels[LABEL.profile] !== want.profile) return `it is not from profile ${want.profile}`;
  return undefined;
}

const startError = (want: FixedName, message: string) =>
  new WrapperError(ExitCode.CONTAINER_START, message, `profile ${want.profile}`);

/** Removes WANT's previous container of its fixed name, or refuses (exit 220) when that name is someone else's. */
export async function replacePrevious(
  runtime: ContainerRuntime,
  want: FixedName,
  log: Logger,
): Promise<void> {
  let found: FoundContainer[];
  try {
    found = await runtime.find({ [LABEL.managed]: MANAGED_VALUE });
  } catch (err) {
    if (err instanceof WrapperError) throw err;
    throw startError(want, `cannot look for a previous container ${want.name}: ${(err as Error).message}`);
  }
  for (const c of found.filter((f) => f.name === want.name)) {
    const foreign = foreignReason(c, want);
    if (foreign) {
      throw startError(
        want,
        `container name ${want.name} is taken by a container that is not yours (${foreign}): not replaced`,
      );
    }
    const removed = await runtime.remove(c.id);
    if (!removed.ok && !removed.absent) {
      throw startError(want, `cannot remove your previous container ${want.name}: ${removed.message}`);
    }
    log.info(
      `replaced your previous container ${want.name} (${c.id.slice(0, 12)}) of profile ${want.profile}`,
    );
  }
}
