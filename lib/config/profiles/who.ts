import type { Identity } from '../../host/identity.js';
import type { ProfileDef, Who } from './types.js';

/** Who the OS says runs the job (never USER, LOGNAME or anything else from the environment). */
export function whoOf(identity: Pick<Identity, 'user' | 'uid' | 'groupNames'>): Who {
  let groups: string[] | undefined;
  // The group names read only when a profile or a mount asks for them (their lookups may still run).
  return {
    user: identity.user,
    uid: identity.uid,
    get groups() {
      groups ??= [...new Set(identity.groupNames.values())];
      return groups;
    },
  };
}

/** Why WHO may use DEF ("user flp", "group pda"), or undefined when they may not. */
export function grantOf(def: ProfileDef, who: Who): string | undefined {
  if (def.users.includes(who.user)) return `user ${who.user}`;
  const group = def.groups.find((g) => who.groups.includes(g));
  return group !== undefined ? `group ${group}` : undefined;
}
