/**
 * The name of an admin profile ([profile NAME] in the config, LSF_DOCKER_PROFILE, docker_run
 * --profile): letters, digits, _ and -, starting with a letter or digit, at most 64 characters.
 * No "." (the ini parser would split the section there) and no white space.
 */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type ProfileNameParse = { ok: true; name: string } | { ok: false; reason: string };

export function parseProfileName(text: string): ProfileNameParse {
  const name = text.trim();
  return PROFILE_NAME.test(name)
    ? { ok: true, name }
    : {
        ok: false,
        reason: `"${name.slice(0, 70)}" is not a profile name (letters, digits, _ -, at most 64)`,
      };
}
