/**
 * `[profile NAME]` sections: who may use the profile (users[], groups[]), its fixed container
 * name, and widening keys written `<section>.<key>` with the grammar and parser of that
 * top-level key. Everything is checked when the config is loaded: an unknown key, a key that
 * cannot be widened, a capability off the allow-list (lib/config/profiles/capabilities.ts).
 */
import { configError } from '../../kernel/errors.js';
import { parseProfileName } from '../../kernel/grammar/profile-name.js';
import type { MountSpec } from '../mount-spec.js';
import { ConfigValueError, fail, list, str } from '../parsers.js';
import { KEYS } from '../schema.js';
import { profileCapabilityRefusal } from './capabilities.js';
import { PLACEHOLDERS } from './placeholders.js';
import type { ProfileDef, Profiles } from './types.js';
import { widenRow } from './widen.js';

const SECTION = /^profile\s+(.+)$/;

/** The NAME of a `[profile NAME]` section header, or undefined for any other section. */
export function profileSectionName(section: string): string | undefined {
  return SECTION.exec(section)?.[1]?.trim();
}

/** User and group names as the databases hold them: no white space, `:` or `,`. */
const ACCOUNT = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}\$?$/;
const accounts = (raw: unknown, key: string) =>
  list(raw, key).map((n) => (ACCOUNT.test(n) ? n : fail(`"${n.slice(0, 70)}" is not a user or group name`)));

/** A docker container name, never one of the wrapper's own (lsf_JOBID_INDEX_PID). */
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
function containerName(raw: unknown, key: string): string {
  const name = str(raw, key);
  if (!CONTAINER_NAME.test(name))
    return fail(`"${name.slice(0, 70)}" is not a container name (letters, digits, _ . -)`);
  return name.startsWith('lsf_') ? fail("names starting with lsf_ are the wrapper's own") : name;
}

/** The profile's own keys (no "."): who may use it and its fixed container name. */
const OWN_KEYS: Record<string, (def: ProfileDef, raw: unknown, key: string) => void> = {
  users: (def, raw, key) => (def.users = accounts(raw, key)),
  groups: (def, raw, key) => (def.groups = accounts(raw, key)),
  container_name: (def, raw, key) => (def.containerName = containerName(raw, key)),
};

/** A widening key: `<section>.<key>` of a top-level key that has a row in the widen table. */
function widening(def: ProfileDef, key: string, raw: unknown): void {
  const [section = '', name = ''] = key.split(/\.(.*)/s);
  const top = KEYS.find((k) => k.section === section && k.key === name);
  if (!top) fail('is not a known key (profile keys: users, groups, container_name, or <section>.<key>)');
  const row = widenRow(`${section}.${name}`);
  if (!row) fail(`[${section}] ${name} cannot be widened by a profile (see docs/admin-guide-profiles.md)`);
  def.widen.push({ key: row!.key, value: row!.def.parse(raw, key) });
}

/** Checks across keys: capabilities off the allow-list only with privileged; known placeholders only. */
function checkProfile(def: ProfileDef): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const privileged = def.widen.some((w) => w.key === 'security.privileged' && w.value === true);
  for (const w of def.widen) {
    if (w.key === 'security.cap_add' && !privileged) {
      for (const cap of w.value as string[]) {
        const refusal = profileCapabilityRefusal(cap);
        if (refusal) problems.push(['security.cap_add', refusal]);
      }
    }
    if (w.key === 'mounts.mount') {
      for (const m of w.value as MountSpec[]) {
        const unknown = [...m.text.matchAll(/\{([^}]*)\}/g)]
          .map((x) => x[1]!)
          .filter((p) => !(p in PLACEHOLDERS));
        if (unknown.length > 0)
          problems.push([
            'mounts.mount',
            `"${m.text}": unknown placeholder {${unknown[0]}} (known: {kernel}, {user})`,
          ]);
      }
    }
  }
  return problems;
}

/** Parses the body of `[profile NAME]` read from SOURCE; every problem is a config error naming the key. */
export function parseProfile(rawName: string, body: Record<string, unknown>, source: string): ProfileDef {
  const header = `[profile ${rawName.slice(0, 70)}]`;
  const parsedName = parseProfileName(rawName);
  if (!parsedName.ok) throw configError(`${source}: ${header}`, parsedName.reason);
  const def: ProfileDef = { name: parsedName.name, users: [], groups: [], widen: [] };
  for (const [key, raw] of Object.entries(body)) {
    const subject = `${source}: ${header} ${key}`;
    try {
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw))
        fail('is not a key = value line (a "." in a profile name splits the section: use _ or -)');
      const own = OWN_KEYS[key];
      if (own && Object.hasOwn(OWN_KEYS, key)) own(def, raw, key);
      else widening(def, key, raw);
    } catch (err) {
      if (err instanceof ConfigValueError) throw configError(subject, err.message);
      throw err;
    }
  }
  const [problem] = checkProfile(def);
  if (problem) throw configError(`${source}: ${header} ${problem[0]}`, problem[1]);
  return def;
}

/** Adds the profile of SECTION (a `[profile NAME]` header) to PROFILES; a name defined twice is an error. */
export function addProfile(
  profiles: Profiles,
  section: string,
  body: Record<string, unknown>,
  source: string,
): void {
  const def = parseProfile(profileSectionName(section) ?? '', body, source);
  if (Object.hasOwn(profiles, def.name))
    throw configError(`${source}: [profile ${def.name}]`, 'is defined twice');
  profiles[def.name] = def;
}
