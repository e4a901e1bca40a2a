import { grantedProfile } from '../config/profiles/effective.js';
import type { Who } from '../config/profiles/types.js';
import type { Config } from '../config/schema.js';
import { isWrapperError } from '../kernel/errors.js';
import { profileChoice } from '../request/profile.js';

/**
 * At submission: why the job may not have the profile it asks for (LSF_DOCKER_PROFILE), or
 * undefined when it asks for none or may use it. WHO is asked only then (from the OS).
 */
export function profileRefusal(
  env: Readonly<Record<string, string | undefined>>,
  config: Config,
  who: (() => Who) | undefined,
): string | undefined {
  try {
    const choice = profileChoice(env);
    if (!choice) return undefined;
    if (!who) return `${choice.source}: cannot tell who submits the job`;
    grantedProfile(config, choice, who());
    return undefined;
  } catch (err) {
    if (isWrapperError(err)) return err.message;
    throw err;
  }
}
