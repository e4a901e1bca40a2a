/**
 * Placeholders in admin mounts ([mounts] mount and a profile's mounts.mount): `{kernel}` is the
 * host's `uname -r`, `{user}` the job's user name (from the OS). Expanded before policy runs; the
 * expanded paths are checked by the path grammar again.
 */
import { parseAbsolutePath } from '../../kernel/grammar/path.js';
import type { MountSpec } from '../mount-spec.js';
import type { HostFacts, Who } from './types.js';

export const PLACEHOLDERS: Readonly<Record<string, (who: Who, host: HostFacts) => string>> = {
  kernel: (_who, host) => host.kernel,
  user: (who) => who.user,
};

const PATTERN = /\{(kernel|user)\}/g;
const HAS_PLACEHOLDER = /\{(kernel|user)\}/;

function expand(text: string, who: Who, host: HostFacts): string {
  return text.replace(PATTERN, (_m, name: string) => PLACEHOLDERS[name]!(who, host));
}

export type Expanded = { ok: true; mount: MountSpec } | { ok: false; reason: string };

/** MOUNT with its placeholders filled in, or why the result is not a safe path. */
export function expandMount(mount: MountSpec, who: Who, host: HostFacts): Expanded {
  if (!HAS_PLACEHOLDER.test(mount.text)) return { ok: true, mount };
  const source = parseAbsolutePath(expand(mount.source, who, host));
  const target = parseAbsolutePath(expand(mount.target, who, host));
  if (!source.ok) return { ok: false, reason: `"${mount.text}": source ${source.reason}` };
  if (!target.ok) return { ok: false, reason: `"${mount.text}": target ${target.reason}` };
  return {
    ok: true,
    mount: { ...mount, source: source.path, target: target.path, text: expand(mount.text, who, host) },
  };
}
