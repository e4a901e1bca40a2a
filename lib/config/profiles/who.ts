import type { Identity } from '../../host/identity.js';
import type { ProfileDef, Who } from './types.js';

/** Who the OS says runs the job (never USER, LOGNAME or anything else from the environment). */
export function whoOf(identity: Pick<Identity, 'user' | 'uid' | 'groupNames'>): Who {
  return { user: identity.user, uid: identity.uid, groups: [...new Set(identity.groupNames.values())] };
}

/** Why WHO may use DEF ("user flp", "group pda"), or undefined when they may not. */
export function grantOf(def: ProfileDef, who: Who): string | undefined {
  if (def.users.includes(who.user)) return `user ${who.user}`;
  const group = def.groups.find((g) => who.groups.includes(g));
  return group !== undefined ? `group ${group}` : undefined;
}
