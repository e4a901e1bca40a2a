/**
 * effectiveConfig: the config a job's policy runs with. Without a profile, the config itself
 * (mount placeholders filled in). With one, that config widened by the profile's keys, when the
 * OS says the user may use it; otherwise PROFILE_REFUSED (226) naming the profile, before
 * anything is started. Pure: who and the host's facts are arguments. The result carries no
 * profiles: policy never knows they exist.
 */
import { configError, WrapperError } from '../../kernel/errors.js';
import { ExitCode } from '../../kernel/exit-codes.js';
import type { MountSpec } from '../mount-spec.js';
import type { Config } from '../schema.js';
import { expandMount } from './placeholders.js';
import type { AppliedProfile, HostFacts, ProfileChoice, ProfileDef, Who } from './types.js';
import { grantOf } from './who.js';
import { widenRow } from './widen.js';

export interface EffectiveConfig {
  config: Config;
  /** The profile that applied, and what it changed; undefined without one. */
  profile?: AppliedProfile;
}

const refused = (choice: ProfileChoice, message: string) =>
  new WrapperError(ExitCode.PROFILE_REFUSED, message, choice.source);

function fillMounts(mounts: MountSpec[], who: Who, host: HostFacts, subject: string): MountSpec[] {
  return mounts.map((m) => {
    const expanded = expandMount(m, who, host);
    if (!expanded.ok) throw configError(subject, expanded.reason);
    return expanded.mount;
  });
}

/** Values that need the job's facts before they merge: mounts get their placeholders filled in. */
const FILL: Record<string, (value: never, who: Who, host: HostFacts, subject: string) => unknown> = {
  'mounts.mount': fillMounts,
};

/** Applies DEF's widenings to CONFIG (in place): the changes, in the order written. */
function widen(config: Config, def: ProfileDef, who: Who, host: HostFacts): string[] {
  const changes: string[] = [];
  for (const w of def.widen) {
    const row = widenRow(w.key);
    if (!row) throw new Error(`profile ${def.name}: ${w.key} has no widen row`);
    const fill = FILL[w.key];
    const value = fill ? fill(w.value as never, who, host, `[profile ${def.name}] ${w.key}`) : w.value;
    const before = row.get(config);
    const after = row.widener.merge(before, value);
    row.def.assign(config, after as never);
    const change = row.widener.describe(w.key, before, after);
    if (change) changes.push(change);
  }
  return changes;
}

/** The profile CHOICE names, when WHO may use it; otherwise PROFILE_REFUSED naming it. */
export function grantedProfile(
  config: Config,
  choice: ProfileChoice,
  who: Who,
): { def: ProfileDef; grantedBy: string } {
  const def = Object.hasOwn(config.profiles, choice.name) ? config.profiles[choice.name] : undefined;
  if (!def) throw refused(choice, `profile ${choice.name} is not defined on this host`);
  const grantedBy = grantOf(def, who);
  if (!grantedBy) {
    throw refused(choice, `profile ${choice.name} is not for ${who.user} (not in its users[] or groups[])`);
  }
  return { def, grantedBy };
}

/** CONFIG as the job of WHO gets it with the profile CHOICE (or none). CONFIG itself is not changed. */
export function effectiveConfig(
  config: Config,
  who: Who,
  choice: ProfileChoice | undefined,
  host: HostFacts,
): EffectiveConfig {
  const granted = choice ? grantedProfile(config, choice, who) : undefined;
  const out: Config = structuredClone({ ...config, profiles: {} });
  out.mounts.mount = fillMounts(out.mounts.mount, who, host, '[mounts] mount');
  if (!granted || !choice) return { config: out };
  const changes = widen(out, granted.def, who, host);
  const profile: AppliedProfile = {
    name: granted.def.name,
    source: choice.source,
    grantedBy: granted.grantedBy,
    privileged: out.security.privileged,
    changes,
  };
  if (granted.def.containerName !== undefined) profile.containerName = granted.def.containerName;
  return { config: out, profile };
}
