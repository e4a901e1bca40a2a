/**
 * Which admin profile a job asks for: the one the admin fixed in the job starter line
 * (`docker_run --profile NAME`), else LSF_DOCKER_PROFILE from the job's environment. Pure: only
 * the name's grammar is checked here; whether the user may use it is effectiveConfig's to say.
 */
import type { ProfileChoice } from '../config/profiles/types.js';
import { requestError, usageError, WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { parseProfileName } from '../kernel/grammar/profile-name.js';

export const PROFILE_VARIABLE = 'LSF_DOCKER_PROFILE';

/**
 * The profile of the job, or undefined for none. FIXED (the admin's --profile) wins; a job that
 * asks for another one is refused (PROFILE_REFUSED), so that nobody believes they got theirs.
 */
export function profileChoice(
  env: Readonly<Record<string, string | undefined>>,
  fixed?: string,
): ProfileChoice | undefined {
  const asked = env[PROFILE_VARIABLE]?.trim();
  const wanted = asked === undefined || asked === '' ? undefined : parseProfileName(asked);
  if (wanted && !wanted.ok) throw requestError(PROFILE_VARIABLE, wanted.reason);
  if (fixed === undefined) return wanted?.ok ? { name: wanted.name, source: PROFILE_VARIABLE } : undefined;
  const admin = parseProfileName(fixed);
  if (!admin.ok) throw usageError(`--profile: ${admin.reason}`);
  if (wanted?.ok && wanted.name !== admin.name) {
    throw new WrapperError(
      ExitCode.PROFILE_REFUSED,
      `profile ${wanted.name} asked for, but the job starter fixes profile ${admin.name}`,
      PROFILE_VARIABLE,
    );
  }
  return { name: admin.name, source: '--profile' };
}
