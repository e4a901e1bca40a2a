/**
 * What `lsf-docker config check` says about profiles beyond what loading already refuses
 * (unknown keys, keys that cannot be widened, capabilities off the allow-list): profiles nobody
 * on this host may use, widenings that change nothing, privileged profiles, no audit file.
 */
import type { Config } from '../schema.js';
import type { ProfileDef } from './types.js';
import { widenRow } from './widen.js';

/** Whether a user or group name exists on this host (getent). */
export interface AccountLookup {
  user(name: string): boolean;
  group(name: string): boolean;
}

function whoMayUse(def: ProfileDef, accounts: AccountLookup): string[] {
  const header = `[profile ${def.name}]`;
  if (def.users.length === 0 && def.groups.length === 0)
    return [`${header}: nobody may use it (no users[] or groups[])`];
  const unknownUsers = def.users.filter((u) => !accounts.user(u));
  const unknownGroups = def.groups.filter((g) => !accounts.group(g));
  const lines = [
    ...unknownUsers.map((u) => `${header} users: ${u} is not a user on this host`),
    ...unknownGroups.map((g) => `${header} groups: ${g} is not a group on this host`),
  ];
  if (unknownUsers.length === def.users.length && unknownGroups.length === def.groups.length)
    lines.push(`${header}: nobody on this host may use it`);
  return lines;
}

/** Widenings that change nothing against the top-level config (the config already allows it). */
function idleKeys(def: ProfileDef, config: Config): string[] {
  return def.widen.flatMap((w) => {
    const row = widenRow(w.key);
    if (!row) return [];
    const before = row.get(config);
    const changed = row.widener.describe(w.key, before, row.widener.merge(before, w.value));
    return changed
      ? []
      : [`[profile ${def.name}] ${w.key}: widens nothing (the top-level config already allows it)`];
  });
}

export function profileWarnings(config: Config, accounts: AccountLookup): string[] {
  const profiles = Object.values(config.profiles);
  const warnings = profiles.flatMap((def) => [
    ...whoMayUse(def, accounts),
    ...idleKeys(def, config),
    ...(def.widen.some((w) => w.key === 'security.privileged' && w.value === true)
      ? [`[profile ${def.name}] security.privileged = true: its jobs are root-equivalent on this host`]
      : []),
  ]);
  if (profiles.length > 0 && config.log.audit === undefined) {
    warnings.push("[log] audit is not set: profile jobs write their audit line only to the job's own log");
  }
  return warnings;
}

/** One line per profile for config check: who may use it and which keys it widens. */
export function profileSummary(def: ProfileDef): string {
  const who = [
    def.users.length > 0 ? `users ${def.users.join(', ')}` : '',
    def.groups.length > 0 ? `groups ${def.groups.join(', ')}` : '',
  ].filter(Boolean);
  const keys = [...new Set(def.widen.map((w) => w.key))];
  const name = def.containerName !== undefined ? `; container name ${def.containerName}` : '';
  return `profile ${def.name}: for ${who.join('; ') || 'nobody'}; widens ${keys.join(', ') || 'nothing'}${name}`;
}
