import type { BodySection } from './section.js';

/** Numeric user and group, and every supplementary group (argv: identityArgs). */
export const identityBody: BodySection = ({ identity }) => ({
  config: { User: `${identity.uid}:${identity.gid}` },
  host: { GroupAdd: identity.groups.map(String) },
});
