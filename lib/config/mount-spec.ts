import { parseAbsolutePath } from '../kernel/grammar/path.js';

/**
 * An admin mount, written in docker's --mount syntax (type=bind,source=/a,target=/a,readonly)
 * or in OpenCue RQD's form with ":" for "=" (type:bind,source:/a,target:/a). Only bind mounts;
 * the mount is used only when its source exists on the host.
 */
export interface MountSpec {
  source: string;
  target: string;
  readOnly: boolean;
  /** Extra options passed through: bind-propagation. */
  propagation?: string;
  text: string;
}

export type MountParse = { ok: true; mount: MountSpec } | { ok: false; reason: string };

const PROPAGATION = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);

export function parseMountSpec(text: string): MountParse {
  const fields = new Map<string, string>();
  let readOnly = false;
  for (const field of text.split(',')) {
    const eq = field.search(/[=:]/);
    const name = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1).trim();
    if (name === 'readonly' || name === 'ro') {
      readOnly = value === undefined || value === 'true' || value === '1';
      continue;
    }
    if (value === undefined) return { ok: false, reason: `"${text}": field "${field}" has no value` };
    const key = name === 'src' ? 'source' : name === 'dst' || name === 'destination' ? 'target' : name;
    if (fields.has(key)) return { ok: false, reason: `"${text}": "${key}" given twice` };
    fields.set(key, value);
  }
  const type = fields.get('type') ?? 'bind';
  if (type !== 'bind') return { ok: false, reason: `"${text}": only type=bind mounts are supported` };
  for (const key of fields.keys()) {
    if (!['type', 'source', 'target', 'bind-propagation'].includes(key)) {
      return { ok: false, reason: `"${text}": unknown field "${key}"` };
    }
  }
  const source = parseAbsolutePath(fields.get('source') ?? '');
  if (!source.ok) return { ok: false, reason: `"${text}": source ${source.reason}` };
  const target = parseAbsolutePath(fields.get('target') ?? fields.get('source') ?? '');
  if (!target.ok) return { ok: false, reason: `"${text}": target ${target.reason}` };
  const propagation = fields.get('bind-propagation');
  if (propagation !== undefined && !PROPAGATION.has(propagation)) {
    return {
      ok: false,
      reason: `"${text}": bind-propagation "${propagation}" is not one of ${[...PROPAGATION].join(', ')}`,
    };
  }
  return { ok: true, mount: { source: source.path, target: target.path, readOnly, propagation, text } };
}
